"""The caller of a request, resolved from its API key (see ``api/deps.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: What a key may do: ``admin`` manages keys (and teams) of its tenant and
#: reads and writes every space in it; ``member`` only the spaces on its key.
Role = Literal["admin", "member"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a tenant (the hard wall), a role and, for a member,
    the spaces it may read and write.

    Attributes:
        tenant: The caller's tenant; every query is filtered by it.
        role: ``admin`` or ``member``.
        key_id: The managed key's id; None for the static development keys
            (``KENNING_API_KEYS``) and the no-keys mode.
        spaces: The spaces a member may use; None means every space of the
            tenant (an admin, or development).
    """

    tenant: str
    role: Role
    key_id: str | None
    spaces: frozenset[str] | None

    @property
    def is_admin(self) -> bool:
        """True for an ``admin`` key (or development)."""
        return self.role == "admin"

    def may_read(self, space: str) -> bool:
        """Whether this caller may read ``space`` of its own tenant (shared
        subgraphs of teams are granted elsewhere, per query)."""
        return self.spaces is None or space in self.spaces

    def may_write(self, space: str) -> bool:
        """Whether this caller may write ``space`` now. A member key may also
        claim a space nobody holds on its first write (``api/deps.py``
        :func:`~kenning.api.deps.require_write_space`); this answers for the
        spaces already on the key."""
        return self.spaces is None or space in self.spaces

    def with_space(self, space: str) -> Principal:
        """This principal with ``space`` added (after a member claimed it)."""
        if self.spaces is None:
            return self
        return Principal(self.tenant, self.role, self.key_id, self.spaces | {space})


#: The caller when no key of any kind is configured (development).
DEV_PRINCIPAL = Principal("default", "admin", None, None)
