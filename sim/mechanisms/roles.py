"""The role registry (ODD 2.1): every role an actor can hold, as one row of data.

A role selects an actor's default behaviour; names and numbers come from the
scenario file. Everything the engine needs to know about a role is a column
of :data:`ROLES`, and every role set the code uses (which roles are
factions, which lean hawkish, which act when the record is forced, which
need a client side) is derived from it here, so a new role is one row:

    >>> sorted(r for r, spec in ROLES.items() if spec.family == "third_party")
    ['guarantor', 'mediator', 'patron', 'spoiler']
    >>> FACTION_ROLES
    ('hardliner', 'reformer', 'staff', 'military', 'intelligence', 'ratifier')
    >>> sorted(HAWKISH_ROLES), sorted(DOVISH_ROLES)
    (['hardliner', 'military'], ['reformer', 'staff'])

Scenario files and signal kinds name roles as strings; :data:`RoleName`,
:data:`FactionRoleName` and :data:`ThirdPartyRoleName` are the pydantic types
that check them against this table and list them in the JSON Schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, TypeAlias

from pydantic import AfterValidator, WithJsonSchema

from summitry.sim.errors import bad_choice

Family = Literal["leader", "faction", "third_party"]
Leaning = Literal["hawkish", "dovish", "neutral"]


@dataclass(frozen=True)
class RoleSpec:
    """One role: its family, how it leans, and the defaults it selects.

    Attributes:
        family: leader, faction (a member of a side's inner circle) or
            third_party (a leader-only actor outside the table).
        leaning: hawkish roles take the hawks' default susceptibility, are
            vindicated by the other side's hostility and counted in the
            hawkish share a walk-away's audience value reads; dovish roles
            are vindicated by reciprocated concessions.
        acts_in_forcing: whether the role still chooses its own moves when
            the historical record is forced (the record speaks for leaders
            and third parties; factions keep lobbying).
        needs_client: whether the role is defined by the side it backs.
        leaks: whether its lax enforcement leaks sanctions on its client
            (``laxity``, ODD 7.12) and signals that move a side's patrons'
            enforcement move its own.
        guarantees: whether it stands behind an agreement's terms: its
            ``enforcement`` lowers the renege risk a protected side prices
            and punishes a side that breaks the terms (ODD 7.20).
        stance: typical stance, used by the scenario generator.
        description: one line for the schema and the docs.
    """

    family: Family
    leaning: Leaning
    acts_in_forcing: bool
    needs_client: bool
    stance: float
    description: str
    leaks: bool = False
    guarantees: bool = False


ROLES: dict[str, RoleSpec] = {
    "leader": RoleSpec("leader", "neutral", False, False, 0.5, "A side's principal at the table."),
    "hardliner": RoleSpec("faction", "hawkish", True, False, 0.8, "Hawks of the inner circle; expect pressure to work."),
    "reformer": RoleSpec("faction", "dovish", True, False, 0.3, "Those who gain from a deal (an economic cabinet, say)."),
    "staff": RoleSpec("faction", "dovish", True, False, 0.4, "Diplomats and aides who run the talks."),
    "military": RoleSpec("faction", "hawkish", True, False, 0.75, "The armed forces."),
    "intelligence": RoleSpec("faction", "neutral", True, False, 0.6, "The intelligence services."),
    "ratifier": RoleSpec("faction", "neutral", True, False, 0.6, "A legislature or another body whose consent a deal needs."),
    "mediator": RoleSpec("third_party", "neutral", False, False, 0.2, "Shuttles between the sides and relays its beliefs (Kydd)."),
    "patron": RoleSpec("third_party", "neutral", False, True, 0.5, "Meets, shields and enforces sanctions on its client side.", leaks=True),
    "spoiler": RoleSpec("third_party", "neutral", False, True, 0.6, "Urges its client side to slow down.", leaks=True),
    "guarantor": RoleSpec(
        "third_party",
        "neutral",
        False,
        False,
        0.4,
        "Stands behind an agreement: lowers the renege risk of the side it protects and punishes a breach.",
        guarantees=True,
    ),
}

ALL_ROLES: tuple[str, ...] = tuple(ROLES)
FACTION_ROLES: tuple[str, ...] = tuple(r for r, s in ROLES.items() if s.family == "faction")
THIRD_PARTY_ROLES: tuple[str, ...] = tuple(r for r, s in ROLES.items() if s.family == "third_party")
HAWKISH_ROLES: frozenset[str] = frozenset(r for r, s in ROLES.items() if s.leaning == "hawkish")
DOVISH_ROLES: frozenset[str] = frozenset(r for r, s in ROLES.items() if s.leaning == "dovish")
FORCING_ROLES: frozenset[str] = frozenset(r for r, s in ROLES.items() if s.acts_in_forcing)
CLIENT_ROLES: frozenset[str] = frozenset(r for r, s in ROLES.items() if s.needs_client)
LEAKING_ROLES: frozenset[str] = frozenset(r for r, s in ROLES.items() if s.leaks)
GUARANTOR_ROLES: frozenset[str] = frozenset(r for r, s in ROLES.items() if s.guarantees)


def _checker(allowed: tuple[str, ...]) -> Callable[[str], str]:
    """A validator that accepts only the ``allowed`` role names, saying which they are for a bad choice.

    >>> from pydantic import TypeAdapter, ValidationError
    >>> TypeAdapter(ThirdPartyRoleName).validate_python("patron")
    'patron'
    >>> try:
    ...     TypeAdapter(ThirdPartyRoleName).validate_python("arbiter")
    ... except ValidationError as e:
    ...     print(e.errors()[0]["msg"])
    Value error, must be one of 'mediator', 'patron', 'spoiler' or 'guarantor' (got 'arbiter')
    """

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(bad_choice(value, allowed))
        return value

    return check


def _enum(allowed: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(allowed)})


# the string types scenario files and signal kinds use for roles, checked against the table
RoleName: TypeAlias = Annotated[str, AfterValidator(_checker(ALL_ROLES)), _enum(ALL_ROLES)]
FactionRoleName: TypeAlias = Annotated[str, AfterValidator(_checker(FACTION_ROLES)), _enum(FACTION_ROLES)]
ThirdPartyRoleName: TypeAlias = Annotated[str, AfterValidator(_checker(THIRD_PARTY_ROLES)), _enum(THIRD_PARTY_ROLES)]
