"""Warnings about a person's codes: unknown warehouses, companies and teams."""

from __future__ import annotations

from controltower.cli.user_checks import KnownCodes, code_warnings, routing_names, team_warning
from controltower.policy import load_policy
from controltower.policy.model import Policy

KNOWN = KnownCodes(
    warehouses=frozenset({"LDS", "MAN"}),
    companies=frozenset({"NORDEL"}),
    teams=frozenset({"purchasing", "warehouse"}),
    owners=frozenset({"west.manager"}),
)


def test_teams_in_the_routing_policy_form_are_recognised() -> None:
    for team in ("purchasing", "purchasing@LDS", "warehouse@NORDEL", "west.manager"):
        assert team_warning(team, KNOWN) is None, team


def test_a_team_the_policy_never_uses_is_named_with_the_teams_it_does() -> None:
    warning = team_warning("buyers@LDS", KNOWN)
    assert warning is not None
    assert "'buyers@LDS'" in warning
    assert "purchasing, warehouse" in warning
    assert "team@WAREHOUSE or team@COMPANY" in warning


def test_a_team_placed_where_no_picture_is_names_the_known_places() -> None:
    warning = team_warning("purchasing@LEEDS", KNOWN)
    assert warning is not None
    assert "'LEEDS'" in warning
    assert "LDS, MAN, NORDEL" in warning


def test_unknown_warehouses_and_companies_are_warned_about_once_each() -> None:
    warnings = code_warnings(
        KNOWN,
        warehouses=["LDS", "XYZ", "XYZ "],
        companies=["NORDEL", "ACME"],
        teams=["purchasing@MAN"],
    )
    assert len(warnings) == 2
    assert "warehouse 'XYZ'" in warnings[0]
    assert "known: LDS, MAN" in warnings[0]
    assert "company 'ACME'" in warnings[1]


def test_with_no_picture_stored_every_place_is_unknown() -> None:
    empty = KnownCodes(frozenset(), frozenset(), frozenset({"finance"}), frozenset())
    (warning,) = code_warnings(empty, warehouses=["LDS"])
    assert "known: none yet" in warning


def test_the_routing_names_include_the_rules_teams_and_owners() -> None:
    policy = load_policy()
    teams, owners = routing_names(policy)
    assert {"purchasing", "warehouse", "finance", "customer_service"} <= teams
    assert owners == frozenset()
    ruled = Policy.model_validate(
        {
            "routing": {
                "rules": [
                    {"type": "order_at_risk", "team": "key_accounts"},
                    {"warehouse": "LDS", "owner": "west.manager"},
                ]
            }
        }
    )
    teams, owners = routing_names(ruled)
    assert "key_accounts" in teams
    assert owners == frozenset({"west.manager"})
