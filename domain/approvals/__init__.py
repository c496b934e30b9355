"""Client approvals: one queue per approver, decisions with an audit trail, e-mail digests."""
