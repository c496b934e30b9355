"""Errors of conversation work (assigning, status changes, snoozing, notes)."""

from domain.shared.errors import ValidationError


class InvalidStatusTransition(ValidationError):
    """The conversation cannot move from its status to the requested one."""

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"a {current} conversation cannot become {requested}", field="status")
        self.current = current
        self.requested = requested


class InvalidAssignee(ValidationError):
    """The assignee is not an active member who may work the conversation's inbox."""

    def __init__(self) -> None:
        super().__init__(
            "the assignee must be an active member who may work this inbox", field="assigneeId"
        )
