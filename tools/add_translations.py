"""Fill in Dutch translations: python tools/add_translations.py FILE.json (a {"msgid": "vertaling"} map).

Only empty entries are filled; the catalogue is then compiled.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import i18n  # noqa: E402


def main() -> None:
    new = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    path = i18n.po_path("nl")
    po = i18n.read_po(path)
    for (msgid, plural), strs in po.items():
        if msgid in new and not all(strs):
            value = new[msgid]
            po[(msgid, plural)] = value if isinstance(value, list) else [value]
    i18n.write_po(path, "nl", i18n.extract(), po)
    path.with_suffix(".mo").write_bytes(i18n.mo_bytes(i18n.read_po(path)))
    left = [m for (m, p), s in i18n.read_po(path).items() if m and not all(s)]
    print(f"{len(left)} untranslated" + (f": {left}" if left else ""))


if __name__ == "__main__":
    main()
