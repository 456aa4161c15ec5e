"""Reads of the protocol in force. (Placeholder until protocol packs land: see issue 2.)"""


def current_partnership_name() -> str:
    return "Community Safety Partnership"
