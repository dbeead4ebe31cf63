"""Keep the translations of posture in step with the code.

    python tools/i18n.py extract   # write posture/locale/posture.pot from the _(), N_(), ngettext() calls
    python tools/i18n.py update    # add new messages to each .po (existing translations are kept)
    python tools/i18n.py compile   # write each .mo from its .po

The catalogues are plain GNU gettext files; the .mo files are committed, so an installed app needs no
build step. tests/test_i18n.py fails when a message is missing from the Dutch catalogue or a .mo is
out of date.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "posture"
LOCALE = PACKAGE / "locale"
DOMAIN = "posture"
# argparse's own messages that a user of the command line sees (it looks them up through gettext).
ARGPARSE = ["usage: ", "options", "positional arguments", "show this help message and exit",
            "show program's version number and exit", "unrecognized arguments: %s", "expected one argument",
            "argument %(argument_name)s: %(message)s", "invalid choice: %(value)r (choose from %(choices)s)",
            "invalid %(type)s value: %(value)r", "the following arguments are required: %s",
            "%(prog)s: error: %(message)s\n", "not allowed with argument %s"]
ARGPARSE_PLURAL = [("expected %s argument", "expected %s arguments")]


def extract() -> list[tuple[str, str | None]]:
    """Every (message, plural) marked in the package, in order of first appearance."""
    found: dict[tuple[str, str | None], None] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = node.args
            if node.func.id in ("_", "N_") and args and isinstance(args[0], ast.Constant) \
                    and isinstance(args[0].value, str):
                found[(args[0].value, None)] = None
            elif node.func.id == "ngettext" and len(args) >= 2 and all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:2]):
                found[(args[0].value, args[1].value)] = None  # type: ignore[union-attr]
    for message in ARGPARSE:
        found[(message, None)] = None
    for singular, plural in ARGPARSE_PLURAL:
        found[(singular, plural)] = None
    return list(found)


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def unquote(s: str) -> str:
    out, i = [], 1
    while i < len(s) - 1:
        c = s[i]
        if c == "\\":
            nxt = s[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_po(path: Path) -> dict[tuple[str, str | None], list[str]]:
    """{(msgid, msgid_plural): [msgstr, ...]} of a .po file (the header entry included)."""
    entries: dict[tuple[str, str | None], list[str]] = {}
    msgid = plural = None
    strs: dict[int, str] = {}
    field: tuple[str, int] | None = None

    def flush() -> None:
        if msgid is not None:
            entries[(msgid, plural)] = [strs.get(i, "") for i in range(max(strs) + 1)] if strs else [""]

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid_plural "):
            plural = unquote(line[13:])
            field = ("plural", 0)
        elif line.startswith("msgid "):
            flush()
            msgid, plural, strs = unquote(line[6:]), None, {}
            field = ("msgid", 0)
        elif line.startswith("msgstr["):
            idx = int(line[7:line.index("]")])
            strs[idx] = unquote(line[line.index("]") + 2:])
            field = ("msgstr", idx)
        elif line.startswith("msgstr "):
            strs[0] = unquote(line[7:])
            field = ("msgstr", 0)
        elif line.startswith('"') and field is not None:
            kind, idx = field
            if kind == "msgid":
                msgid = (msgid or "") + unquote(line)
            elif kind == "plural":
                plural = (plural or "") + unquote(line)
            else:
                strs[idx] = strs.get(idx, "") + unquote(line)
    flush()
    return entries


HEADER = ("Project-Id-Version: posture\\n\nMIME-Version: 1.0\\n\nContent-Type: text/plain; charset=UTF-8\\n\n"
          "Content-Transfer-Encoding: 8bit\\n\nPlural-Forms: nplurals=2; plural=(n != 1);\\n\nLanguage: {lang}\\n")


def write_po(path: Path, lang: str, messages: list[tuple[str, str | None]],
             translations: dict[tuple[str, str | None], list[str]]) -> None:
    lines = ['msgid ""', 'msgstr ""']
    lines += ['"' + part + '"' for part in HEADER.format(lang=lang).split("\n")]
    for msgid, plural in messages:
        lines.append("")
        old = translations.get((msgid, plural))
        lines.append("msgid " + quote(msgid))
        if plural is None:
            lines.append("msgstr " + quote(old[0] if old else (msgid if lang == "en" else "")))
        else:
            lines.append("msgid_plural " + quote(plural))
            forms = old or ([msgid, plural] if lang == "en" else ["", ""])
            lines += [f"msgstr[{i}] " + quote(f) for i, f in enumerate(forms)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def mo_bytes(entries: dict[tuple[str, str | None], list[str]]) -> bytes:
    """A GNU .mo file of the entries (untranslated ones left out, as msgfmt does)."""
    pairs = []
    for (msgid, plural), strs in entries.items():
        if msgid and not all(strs):
            continue
        key = msgid if plural is None else msgid + "\0" + plural
        pairs.append((key.encode("utf-8"), "\0".join(strs).encode("utf-8")))
    pairs.sort()
    n = len(pairs)
    ids = b"".join(k + b"\0" for k, _ in pairs)
    strs_ = b"".join(v + b"\0" for _, v in pairs)
    start = 7 * 4 + 16 * n
    ko, vo = [], []
    off = 0
    for k, _ in pairs:
        ko += [len(k), start + off]
        off += len(k) + 1
    off2 = 0
    for _, v in pairs:
        vo += [len(v), start + len(ids) + off2]
        off2 += len(v) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    return header + struct.pack(f"{2 * n}i", *ko) + struct.pack(f"{2 * n}i", *vo) + ids + strs_


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    messages = extract()
    if command == "extract":
        write_po(LOCALE / f"{DOMAIN}.pot", "", messages, {})
    elif command == "update":
        for lang in ("en", "nl"):
            path = po_path(lang)
            old = read_po(path) if path.exists() else {}
            write_po(path, lang, messages, old)
    elif command == "compile":
        for lang in ("en", "nl"):
            path = po_path(lang)
            path.with_suffix(".mo").write_bytes(mo_bytes(read_po(path)))
    else:
        raise SystemExit(__doc__)
    print(f"{command}: {len(messages)} messages")


if __name__ == "__main__":
    main()
