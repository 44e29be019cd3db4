"""A form field for a setting a library object declares (vae_core.models.kinds.Setting): a
kind's β on the Train form, a projection method's perplexity on Projections. The field's
label, help, range and first value come from the setting; the value it returns is checked by
the setting where it is used."""

from __future__ import annotations

from typing import Any

from vae_core.models.kinds import Setting


def _number_or_text(text: str) -> float | str:
    """A typed number, or the text itself for the setting's check to refuse in words."""
    try:
        return float(text)
    except ValueError:
        return text.strip()


def setting_field(where, setting: Setting, key: str, first: Any = None, slider: bool = False):
    """A Streamlit field on ``where`` (``st`` or a column) for ``setting``, starting from
    ``first`` (default: the setting's own first value). ``slider``: a slider for a number."""
    first = setting.first_value if first is None else first
    if isinstance(setting.default, bool):
        return where.checkbox(setting.label, value=first, key=key, help=setting.help)
    if setting.choices:
        names = dict(setting.choices)
        return where.selectbox(
            setting.label,
            list(names),
            index=list(names).index(first),
            format_func=names.get,
            key=key,
            help=setting.help,
        )
    if isinstance(setting.default, tuple):  # numbers typed with commas, checked on submit
        typed = where.text_input(
            setting.label, ",".join(f"{v:g}" for v in first), key=key, help=setting.help
        )
        return tuple(_number_or_text(part) for part in typed.split(",") if part.strip())
    number = type(setting.default)  # int or float: Streamlit wants one type throughout
    low, high = (None if bound is None else number(bound) for bound in setting.form_range)
    step = None if setting.step is None else number(setting.step)
    if slider and low is not None and high is not None:
        return where.slider(
            setting.label, low, high, number(first), step=step, key=key, help=setting.help
        )
    return where.number_input(
        setting.label,
        min_value=low,
        max_value=high,
        value=number(first),
        step=step,
        key=key,
        help=setting.help,
    )
