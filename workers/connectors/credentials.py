"""Reading a channel's API credentials out of a delivery order."""

from domain.replies.delivery import DeliveryOrder
from workers.connectors.http import PermanentDeliveryError


def credential(order: DeliveryOrder, *names: str) -> str:
    """The first of the channel secrets `names` that is set; a permanent failure naming
    the first when none is (the channel must be given one before anything can be sent)."""
    for name in names:
        value = order.credentials.get(name)
        if value:
            return value
    raise PermanentDeliveryError(f"the channel has no {names[0]} secret")
