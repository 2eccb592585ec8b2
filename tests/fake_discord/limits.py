"""Discord's documented payload limits, as pure validators that return the ApiError Discord would send."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from . import errors
from .errors import ApiError, FormErrors

CONTENT_MAX = 2000
NONCE_MAX = 25
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBEDS_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
COMPONENTS_V2_MAX = 40
FILES_MAX = 10
ALLOWED_MENTIONS_IDS_MAX = 100
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_TOTAL_CHARS_MAX = 4000
CHAT_INPUT_COMMANDS_MAX = 100
CONTEXT_MENU_COMMANDS_MAX = 15  # per type (user, message)
MODAL_TITLE_MAX = 45
MODAL_ROWS_MAX = 5

EPHEMERAL = 1 << 6
SUPPRESS_EMBEDS = 1 << 2
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
CHANNEL_MESSAGE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS = CHANNEL_MESSAGE_FLAGS | EPHEMERAL

ALLOWED_MENTION_TYPES = ("roles", "users", "everyone")
URL_SCHEMES = ("http", "https", "attachment")
SELECT_TYPES = {3, 5, 6, 7, 8}
V2_TYPES = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17}
OPTION_TYPES = range(1, 12)
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, NUMBER = 1, 2, 3, 4, 10
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3

Path = tuple[str | int, ...]


def _is_snowflake(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.isdigit()
    )


def _text(
    form: FormErrors, path: Path, value: object, high: int, *, low: int = 0, required: bool = False
) -> int:
    """Check a string field's type and length; returns its length for embed totals."""
    if value is None:
        if required:
            form.required(path)
        return 0
    if not isinstance(value, str):
        form.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.")
        return 0
    if low and not value.strip():
        if required:
            form.required(path)
        else:
            form.bad_length(path, low, high)
        return 0
    if len(value) > high:
        if low:
            form.bad_length(path, low, high)
        else:
            form.too_long(path, high)
    return len(value)


def _url(form: FormErrors, path: Path, value: object) -> None:
    if value is None:
        return
    parsed = urlparse(value) if isinstance(value, str) else None
    if (
        parsed is None
        or parsed.scheme not in URL_SCHEMES
        or not (parsed.netloc or parsed.scheme == "attachment")
    ):
        form.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def check_embed(form: FormErrors, path: Path, embed: object) -> int:
    """Validate one embed; returns the characters it counts towards the 6000 total."""
    if not isinstance(embed, Mapping):
        form.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return 0
    total = _text(form, (*path, "title"), embed.get("title"), EMBED_TITLE_MAX)
    total += _text(form, (*path, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
    _url(form, (*path, "url"), embed.get("url"))
    color = embed.get("color")
    if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
        form.add((*path, "color"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
    for key in ("image", "thumbnail"):
        if embed.get(key) is not None:
            _url(form, (*path, key, "url"), embed[key].get("url"))
    footer = embed.get("footer")
    if footer is not None:
        total += _text(
            form, (*path, "footer", "text"), footer.get("text"), EMBED_FOOTER_MAX, low=1, required=True
        )
        _url(form, (*path, "footer", "icon_url"), footer.get("icon_url"))
    author = embed.get("author")
    if author is not None:
        total += _text(
            form, (*path, "author", "name"), author.get("name"), EMBED_AUTHOR_MAX, low=1, required=True
        )
        _url(form, (*path, "author", "url"), author.get("url"))
        _url(form, (*path, "author", "icon_url"), author.get("icon_url"))
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        form.too_long((*path, "fields"), EMBED_FIELDS_MAX)
    for i, fld in enumerate(fields):
        fpath = (*path, "fields", i)
        total += _text(form, (*fpath, "name"), fld.get("name"), EMBED_FIELD_NAME_MAX, low=1, required=True)
        total += _text(form, (*fpath, "value"), fld.get("value"), EMBED_FIELD_VALUE_MAX, low=1, required=True)
    return total


def check_allowed_mentions(form: FormErrors, value: object) -> None:
    path: Path = ("allowed_mentions",)
    if not isinstance(value, Mapping):
        form.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    for key in value:
        if key not in ("parse", "users", "roles", "replied_user"):
            form.add((*path, key), "UNKNOWN_FIELD", f"Unknown field {key!r}")
    parse = value.get("parse", [])
    if not isinstance(parse, list):
        form.add((*path, "parse"), "BASE_TYPE_LIST", "Must be a list")
        parse = []
    for i, kind in enumerate(parse):
        if kind not in ALLOWED_MENTION_TYPES:
            form.add(
                (*path, "parse", i),
                "BASE_TYPE_CHOICES",
                f"Value must be one of {set(ALLOWED_MENTION_TYPES)}.",
            )
    for kind in ("users", "roles"):
        ids = value.get(kind, [])
        if not isinstance(ids, list):
            form.add((*path, kind), "BASE_TYPE_LIST", "Must be a list")
            continue
        if len(ids) > ALLOWED_MENTIONS_IDS_MAX:
            form.too_long((*path, kind), ALLOWED_MENTIONS_IDS_MAX)
        for i, snowflake in enumerate(ids):
            if not _is_snowflake(snowflake):
                form.add((*path, kind, i), "NUMBER_TYPE_COERCE", f"Value {snowflake!r} is not snowflake.")
        if ids and kind in parse:
            form.add(
                path,
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.',
            )
    replied = value.get("replied_user")
    if replied is not None and not isinstance(replied, bool):
        form.add((*path, "replied_user"), "BASE_TYPE_BOOLEAN", "Must be either true or false.")


def _custom_id(form: FormErrors, path: Path, value: object, seen: set[str]) -> None:
    if _text(form, path, value, CUSTOM_ID_MAX, low=1, required=True) and isinstance(value, str):
        if value in seen:
            form.add(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        seen.add(value)


def _check_button(form: FormErrors, path: Path, button: Mapping[str, Any], seen: set[str]) -> None:
    style = button.get("style")
    if style not in range(1, 7):
        form.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
    _text(form, (*path, "label"), button.get("label"), BUTTON_LABEL_MAX)
    if style == 5:
        if button.get("custom_id") is not None:
            form.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A link button has no custom id",
            )
        if button.get("url") is None:
            form.add((*path, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A link button requires a url")
        _url(form, (*path, "url"), button.get("url"))
    elif style == 6:
        if button.get("sku_id") is None:
            form.required((*path, "sku_id"))
    else:
        _custom_id(form, (*path, "custom_id"), button.get("custom_id"), seen)
    if style != 6 and not button.get("label") and not button.get("emoji"):
        form.add(path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A button requires a label or an emoji")


def _check_select(form: FormErrors, path: Path, select: Mapping[str, Any], seen: set[str]) -> None:
    _custom_id(form, (*path, "custom_id"), select.get("custom_id"), seen)
    _text(form, (*path, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not 0 <= low <= SELECT_OPTIONS_MAX:
        form.add((*path, "min_values"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 25.")
    if not 1 <= high <= SELECT_OPTIONS_MAX:
        form.add((*path, "max_values"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 25.")
    if select.get("type") == 3:
        options = select.get("options") or []
        if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
            form.bad_length((*path, "options"), 1, SELECT_OPTIONS_MAX)
        for i, option in enumerate(options):
            opath = (*path, "options", i)
            _text(form, (*opath, "label"), option.get("label"), CHOICE_TEXT_MAX, low=1, required=True)
            _text(form, (*opath, "value"), option.get("value"), CHOICE_TEXT_MAX, low=1, required=True)
            _text(form, (*opath, "description"), option.get("description"), CHOICE_TEXT_MAX)


def check_components(form: FormErrors, components: object, *, v2: bool) -> None:
    path: Path = ("components",)
    if not isinstance(components, list):
        form.add(path, "BASE_TYPE_LIST", "Must be a list")
        return
    seen: set[str] = set()
    if v2:
        _check_v2(form, path, components, seen, count=[0])
        return
    if len(components) > ACTION_ROWS_MAX:
        form.too_long(path, ACTION_ROWS_MAX)
    for r, row in enumerate(components):
        rpath = (*path, r)
        if not isinstance(row, Mapping) or row.get("type") != 1:
            form.add(
                (*rpath, "type"), "UNION_TYPE_CHOICES", "Top-level components must be action rows (type 1)."
            )
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= ROW_BUTTONS_MAX:
            form.bad_length((*rpath, "components"), 1, ROW_BUTTONS_MAX)
        has_select = any(c.get("type") in SELECT_TYPES for c in children)
        if has_select and len(children) > 1:
            form.add(
                (*rpath, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for c, child in enumerate(children):
            cpath = (*rpath, "components", c)
            if child.get("type") == 2:
                _check_button(form, cpath, child, seen)
            elif child.get("type") in SELECT_TYPES:
                _check_select(form, cpath, child, seen)
            else:
                form.add(
                    (*cpath, "type"),
                    "UNION_TYPE_CHOICES",
                    "Value of field 'type' must be one of (2, 3, 5, 6, 7, 8).",
                )


def _check_v2(form: FormErrors, path: Path, components: list[Any], seen: set[str], count: list[int]) -> None:
    for i, comp in enumerate(components):
        cpath = (*path, i)
        count[0] += 1
        if count[0] == COMPONENTS_V2_MAX + 1:
            form.add(
                ("components",), "BASE_TYPE_MAX_LENGTH", f"Must be {COMPONENTS_V2_MAX} or fewer in length."
            )
        kind = comp.get("type")
        if kind not in V2_TYPES:
            form.add((*cpath, "type"), "UNION_TYPE_CHOICES", "Unknown component type.")
        if kind == 2:
            _check_button(form, cpath, comp, seen)
        elif kind in SELECT_TYPES:
            _check_select(form, cpath, comp, seen)
        if kind == 9 and comp.get("accessory") is not None:
            _check_v2(form, (*cpath, "accessory"), [comp["accessory"]], seen, count)
        if comp.get("components"):
            _check_v2(form, (*cpath, "components"), comp["components"], seen, count)


def is_empty_message(body: Mapping[str, Any], files: int) -> bool:
    content = body.get("content")
    return not (
        (isinstance(content, str) and content.strip())
        or body.get("embeds")
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or files
    )


def check_message(
    body: object, *, files: int = 0, allowed_flags: int = CHANNEL_MESSAGE_FLAGS, require_content: bool = True
) -> ApiError | None:
    """Validate a message create/edit body the way Discord does: form errors first, then emptiness."""
    if not isinstance(body, Mapping):
        return errors.invalid_form_body(
            {"_errors": [{"code": "MODEL_TYPE_CONVERT", "message": "Expected an object"}]}
        )
    form = FormErrors()
    _text(form, ("content",), body.get("content"), CONTENT_MAX)
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > NONCE_MAX:
        form.too_long(("nonce",), NONCE_MAX)
    flags = body.get("flags") or 0
    if not isinstance(flags, int) or flags & ~allowed_flags:
        form.add(("flags",), "MESSAGE_CANNOT_USE_FLAG", "Cannot use that flag on this message.")
        flags = 0
    v2 = bool(flags & IS_COMPONENTS_V2)
    embeds = body.get("embeds") or []
    if not isinstance(embeds, list):
        form.add(("embeds",), "BASE_TYPE_LIST", "Must be a list")
        embeds = []
    if len(embeds) > EMBEDS_MAX:
        form.too_long(("embeds",), EMBEDS_MAX)
    total = sum(check_embed(form, ("embeds", i), embed) for i, embed in enumerate(embeds))
    if total > EMBEDS_TOTAL_MAX:
        form.add(
            ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBEDS_TOTAL_MAX}"
        )
    if v2 and (body.get("content") or embeds):
        form.add(
            ("content",) if body.get("content") else ("embeds",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )
    if body.get("components") is not None:
        check_components(form, body["components"], v2=v2)
    if body.get("allowed_mentions") is not None:
        check_allowed_mentions(form, body["allowed_mentions"])
    attachments = body.get("attachments")
    if isinstance(attachments, list) and len(attachments) > FILES_MAX:
        form.too_long(("attachments",), FILES_MAX)
    if files > FILES_MAX:
        form.too_long(("files",), FILES_MAX)
    if form:
        return form.error()
    if require_content and is_empty_message(body, files):
        return errors.empty_message()
    return None


def check_autocomplete(data: object) -> ApiError | None:
    form = FormErrors()
    choices = data.get("choices") if isinstance(data, Mapping) else None
    if not isinstance(choices, list):
        form.required(("data", "choices"))
        return form.error()
    if len(choices) > CHOICES_MAX:
        form.too_long(("data", "choices"), CHOICES_MAX)
    for i, choice in enumerate(choices):
        path = ("data", "choices", i)
        _text(form, (*path, "name"), choice.get("name"), CHOICE_TEXT_MAX, low=1, required=True)
        value = choice.get("value")
        if isinstance(value, str):
            _text(form, (*path, "value"), value, CHOICE_TEXT_MAX)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            form.required((*path, "value"))
    return form.error() if form else None


def check_modal(data: object) -> ApiError | None:
    form = FormErrors()
    if not isinstance(data, Mapping):
        form.required(("data",))
        return form.error()
    _text(form, ("data", "custom_id"), data.get("custom_id"), CUSTOM_ID_MAX, low=1, required=True)
    _text(form, ("data", "title"), data.get("title"), MODAL_TITLE_MAX, low=1, required=True)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS_MAX:
        form.bad_length(("data", "components"), 1, MODAL_ROWS_MAX)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        inner = row.get("components") or ([row["component"]] if row.get("component") else [])
        for j, comp in enumerate(inner):
            if comp.get("custom_id") is not None:
                _custom_id(
                    form, ("data", "components", i, "components", j, "custom_id"), comp["custom_id"], seen
                )
    return form.error() if form else None


def _name_is_valid(name: str) -> bool:
    """``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, spelled with unicodedata."""

    def ok(ch: str) -> bool:
        return (
            ch in "-_"
            or unicodedata.category(ch)[0] in "LN"
            or "\u0900" <= ch <= "\u097f"  # Devanagari (combining marks included)
            or "\u0e00" <= ch <= "\u0e7f"  # Thai
        )

    return 1 <= len(name) <= COMMAND_NAME_MAX and all(ok(ch) for ch in name)


def _check_chat_name(form: FormErrors, path: Path, name: object) -> None:
    if not isinstance(name, str) or not _name_is_valid(name) or name != name.lower():
        form.add(path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")


def _option_chars(option: Mapping[str, Any]) -> int:
    total = len(option.get("name") or "") + len(option.get("description") or "")
    for choice in option.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(_option_chars(o) for o in option.get("options") or [])


def _check_options(form: FormErrors, path: Path, options: object, *, depth: int) -> None:
    if not isinstance(options, list):
        form.add(path, "BASE_TYPE_LIST", "Must be a list")
        return
    if len(options) > COMMAND_OPTIONS_MAX:
        form.too_long(path, COMMAND_OPTIONS_MAX)
    names: set[str] = set()
    seen_optional = False
    kinds = {o.get("type") for o in options if isinstance(o, Mapping)}
    if kinds & {SUB_COMMAND, SUB_COMMAND_GROUP} and kinds - {SUB_COMMAND, SUB_COMMAND_GROUP}:
        form.add(
            path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands cannot be mixed with other options"
        )
    for i, option in enumerate(options):
        opath = (*path, i)
        kind = option.get("type")
        if kind not in OPTION_TYPES:
            form.add((*opath, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, ..., 11}.")
            continue
        name = option.get("name")
        _check_chat_name(form, (*opath, "name"), name)
        if name in names:
            form.add(
                (*opath, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(name)
        _text(
            form,
            (*opath, "description"),
            option.get("description"),
            COMMAND_DESCRIPTION_MAX,
            low=1,
            required=True,
        )
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= (2 if kind == SUB_COMMAND else 1):
                form.add(
                    (*opath, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Subcommands nest too deeply",
                )
            inner = option.get("options") or []
            if kind == SUB_COMMAND_GROUP and any(o.get("type") != SUB_COMMAND for o in inner):
                form.add(
                    (*opath, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Groups hold subcommands"
                )
            _check_options(form, (*opath, "options"), inner, depth=depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                form.add(
                    (*opath, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices")
        if choices is not None:
            if kind not in (STRING, INTEGER, NUMBER):
                form.add(
                    (*opath, "choices"), "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Choices not allowed"
                )
            if len(choices) > CHOICES_MAX:
                form.too_long((*opath, "choices"), CHOICES_MAX)
            for c, choice in enumerate(choices):
                cpath = (*opath, "choices", c)
                _text(form, (*cpath, "name"), choice.get("name"), CHOICE_TEXT_MAX, low=1, required=True)
                if isinstance(choice.get("value"), str):
                    _text(form, (*cpath, "value"), choice["value"], CHOICE_TEXT_MAX)
        if option.get("autocomplete"):
            if kind not in (STRING, INTEGER, NUMBER):
                form.add(
                    (*opath, "autocomplete"), "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Not for this type"
                )
            if choices:
                form.add(
                    (*opath, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_AND_CHOICES",
                    "Autocomplete and choices are mutually exclusive",
                )
        if (option.get("min_value") is not None or option.get("max_value") is not None) and kind not in (
            INTEGER,
            NUMBER,
        ):
            form.add((*opath, "min_value"), "APPLICATION_COMMAND_OPTION_INVALID", "Only numbers have bounds")
        for key, low, high in (("min_length", 0, 6000), ("max_length", 1, 6000)):
            value = option.get(key)
            if value is not None and (kind != STRING or not low <= value <= high):
                form.add((*opath, key), "NUMBER_TYPE_MAX", f"{key} must be {low}..{high} on a string option")


def check_commands(payload: object) -> ApiError | None:
    """Validate a bulk-overwrite body (``PUT .../commands``) against Discord's command rules."""
    form = FormErrors()
    if not isinstance(payload, list):
        form.add((), "BASE_TYPE_LIST", "Must be a list")
        return form.error()
    per_type: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(payload):
        if not isinstance(command, Mapping):
            form.add((i,), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        kind = command.get("type", CHAT_INPUT)
        per_type[kind] = per_type.get(kind, 0) + 1
        name = command.get("name")
        if kind == CHAT_INPUT:
            _check_chat_name(form, (i, "name"), name)
            _text(
                form,
                (i, "description"),
                command.get("description"),
                COMMAND_DESCRIPTION_MAX,
                low=1,
                required=True,
            )
            _check_options(form, (i, "options"), command.get("options") or [], depth=0)
            if (
                len(name or "")
                + len(command.get("description") or "")
                + sum(_option_chars(o) for o in command.get("options") or [])
                > COMMAND_TOTAL_CHARS_MAX
            ):
                form.add((i,), "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")
        elif kind in (USER_COMMAND, MESSAGE_COMMAND):
            if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_MAX:
                form.add(
                    (i, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}"
                )
            if command.get("description"):
                form.add(
                    (i, "description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID",
                    "Context menu commands cannot have description",
                )
            if command.get("options"):
                form.add(
                    (i, "options"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS_INVALID",
                    "Context menus have no options",
                )
        else:
            form.add((i, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        if (kind, name) in seen:
            form.add(
                (i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        seen.add((kind, name))
        dmp = command.get("default_member_permissions")
        if dmp is not None and not (isinstance(dmp, str) and dmp.isdigit()):
            form.add(
                (i, "default_member_permissions"), "NUMBER_TYPE_COERCE", "Must be a permission bit string"
            )
    if form:
        return form.error()
    if per_type.get(CHAT_INPUT, 0) > CHAT_INPUT_COMMANDS_MAX:
        return errors.too_many_commands(CHAT_INPUT_COMMANDS_MAX)
    if max(per_type.get(USER_COMMAND, 0), per_type.get(MESSAGE_COMMAND, 0)) > CONTEXT_MENU_COMMANDS_MAX:
        return errors.too_many_commands(CONTEXT_MENU_COMMANDS_MAX)
    return None
