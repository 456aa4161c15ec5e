"""What every attendee agrees to when signing in (SSP 7.1, 7.2, Appendix 6).

The wording is SSP Appendix 6's, with the protocol named from the meeting's protocol pack, plus
the SSP 7.2 undertaking for people whose body has not signed the protocol. The level's own
sentence (`MarkingLevel.signing_in_text`, e.g. "Restricted – data to be shared is personal data
about an offender, victim or witness") and its handling rules (SSP Appendix 7) come from the pack.
"""

from __future__ import annotations

from portal.models import MarkingLevel, ProtocolPack


def protocol_name(pack: ProtocolPack) -> str:
    return f"{pack.partnership_name} {pack.title}"


def agreement_paragraphs(pack: ProtocolPack) -> list[str]:
    return [
        "Please note, by signing this sheet you are agreeing to comply with the relevant handling rules "
        f"for protective marking and the requirements of the {protocol_name(pack)} applicable to this meeting.",
        "Information shared should only be used for the purpose requested and should not be shared further "
        "without consent of the information owner.",
        "If you are not here on behalf of an organisation that has signed the protocol, by signing you agree "
        "to abide by all the terms of the protocol.",
    ]


def level_sentence(level: MarkingLevel) -> str:
    """SSP Appendix 6's line for the level, or its name and definition when the pack has none."""
    return level.signing_in_text or f"{level.name} – {level.definition}"


def handling_rules(level: MarkingLevel) -> list[dict]:
    """The level's handling rules as [{"action", "rule"}], skipping anything malformed."""
    rules = level.handling_rules if isinstance(level.handling_rules, list) else []
    return [
        {"action": str(rule.get("action", "")), "rule": str(rule.get("rule", ""))}
        for rule in rules
        if isinstance(rule, dict) and rule.get("rule")
    ]


def agreement_text(*, pack: ProtocolPack, level: MarkingLevel) -> str:
    """Everything the attendee was shown and agreed to, kept on their signing."""
    lines = [*agreement_paragraphs(pack), f"Level: {level_sentence(level)}"]
    rules = handling_rules(level)
    if rules:
        lines.append("Handling rules:")
        lines.extend(f"- {rule['action']}: {rule['rule']}" for rule in rules)
    return "\n".join(lines)
