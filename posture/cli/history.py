"""``posture-monitor report`` and ``posture-monitor history``: reports, exports and deletion of the
stored sessions."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from ..errors import PostureError, brief_text
from ..i18n import LANGUAGES, _, ngettext
from ..paths import open_for_writing
from ..storage import queries as q
from ..storage.calibrations import person_files
from ..storage.db import SCHEMA_VERSION, HistoryError, RecordingLock, connect, db_path
from ..exercise.catalogue import EXERCISE
from ..storage.exercises import find_sets, set_rows
from ..storage.maintenance import delete_exercise_sets, delete_person, delete_sessions


# The days a history can hold: from the Unix epoch to well before the calendar ends (a day's end is
# taken as the next day's start).
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 2), dt.date(9999, 12, 30)
MAX_DAYS = 36_500  # a hundred years
MAX_ID = 2 ** 63 - 1  # SQLite's largest integer


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): {text}").format(text=brief_text(text))) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(_("{text} is out of range: from {first} to {last}").format(
            text=text, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    return day


def _whole(text: str, most: int) -> int:
    try:
        n = int(text) if text.isascii() else 0
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(_("not a whole number of at least 1: {text}").format(text=brief_text(text)))
    if n > most:
        raise argparse.ArgumentTypeError(_("{text} is out of range: at most {most}").format(
            text=brief_text(text), most=most))
    return n


def _positive(text: str) -> int:
    """A session number."""
    return _whole(text, MAX_ID)


def _days(text: str) -> int:
    return _whole(text, MAX_DAYS)


def _selection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--session", type=_positive, action="append", default=[], metavar="ID",
                   help=_("a session by its number (repeatable; see posture-monitor history)"))
    p.add_argument("--days", type=_days, metavar="N", help=_("the last N days, today included"))
    p.add_argument("--from", dest="since", type=_date, metavar="DATE", help=_("from this day (YYYY-MM-DD)"))
    p.add_argument("--to", dest="until", type=_date, metavar="DATE", help=_("up to and including this day"))
    history_place_args(p)


def history_place_args(p: argparse.ArgumentParser) -> None:
    """Where the history is and the language: the options every history command shares."""
    p.add_argument("--data-dir", metavar="DIR",
                   help=_("where the history is kept (default: $POSTURE_DATA_DIR, else the user data folder)"))
    p.add_argument("--lang", choices=LANGUAGES, help=_("language: en or nl (default: the system's language)"))


def _selection(args: argparse.Namespace, person: str | None) -> q.Selection:
    if args.session and (args.days is not None or args.since or args.until):
        raise PostureError(_("give either --session or --days/--from/--to, not both"))
    if args.days is not None:
        if args.since or args.until:
            raise PostureError(_("give either --days or --from/--to, not both"))
        return q.Selection.last_days(person, args.days)
    return q.Selection(person=person, sessions=tuple(args.session), since=args.since, until=args.until)


def _remove_files(folders: Sequence[Path]) -> bool:
    """Delete these folders; True if any existed."""
    import shutil

    removed = False
    for folder in folders:
        try:
            shutil.rmtree(folder)
            removed = True
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise HistoryError(_("the sessions are deleted, but {path} could not be removed: {problem}").format(
                path=folder, problem=exc.strerror or exc)) from None
    return removed


def report_name(person: str) -> str:
    """A file-name part for a person: the name where it is one; else its letters and digits and a short
    fingerprint of the whole name, so that no two people (".", "..", "a/b", "a_b") share a report file."""
    safe = re.sub(r"[^\w.-]+", "_", person).strip("._")[:60]
    if safe == person:
        return safe
    return f"{safe or 'person'}-{hashlib.sha256(person.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def note_damage(conn: Any) -> None:
    """Say on stderr what of a damaged history is left out (the rest is read as usual)."""
    damage = q.damage(conn)
    if damage.sessions:
        print(_("note: the history has damaged sessions, left out: {ids}").format(
            ids=", ".join(str(i) for i in damage.sessions[:20]) + (" ..." if len(damage.sessions) > 20 else "")),
            file=sys.stderr)
    if damage.rows:
        print(_("note: the history has {n} damaged rows, left out").format(n=damage.rows), file=sys.stderr)


def _data_path(args: argparse.Namespace) -> Path:
    from ..config import load_settings

    return load_settings({}, {"data_dir": args.data_dir} if args.data_dir else {}).data_path


def report_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = parser_class(prog="posture-monitor report", description=_(
        "Write a report of stored sessions as one HTML file (plots included, works offline, prints on A4): "
        "the last session by default, chosen sessions, two sessions before and after, or a range of days "
        "with the daily trend."))
    p.add_argument("--person", metavar="NAME", help=_("whose sessions (default: your login name)"))
    p.add_argument("--compare", type=_positive, nargs=2, metavar=("BEFORE", "AFTER"),
                   help=_("two sessions side by side: the progress view"))
    p.add_argument("--out", metavar="FILE", help=_("the HTML file to write (default: posture-report-NAME-DATE.html)"))
    _selection_args(p)
    return p


def history_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = parser_class(prog="posture-monitor history", description=_(
        "List, export or delete the stored sessions. Without an action: the list of sessions."))
    p.add_argument("--person", metavar="NAME", help=_("only this person's sessions (default: everyone's)"))
    p.add_argument("--all", action="store_true", help=_("every session (with --delete)"))
    p.add_argument("--yes", action="store_true",
                   help=_("delete without asking (needed to delete more than one session without a terminal)"))
    act = p.add_mutually_exclusive_group()
    act.add_argument("--delete", action="store_true",
                     help=_("delete the chosen sessions (--session, --days, --from/--to, or --all) for good"))
    act.add_argument("--export-csv", metavar="DIR",
                     help=_("write sessions.csv, seconds.csv, aggregates.csv and events.csv into DIR"))
    act.add_argument("--export-json", metavar="FILE", help=_("write the chosen sessions as one JSON file"))
    _selection_args(p)
    return p


def _sqlite_errors_as_history_errors(run: Any) -> Any:
    """A failing database (locked, damaged, unreadable) ends as one line, not a traceback."""
    import functools
    import sqlite3

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return int(run(args))
        except sqlite3.Error as exc:
            raise HistoryError(_("cannot read the history: {problem}").format(problem=exc)) from None

    return wrapped


@_sqlite_errors_as_history_errors
def report_main(args: argparse.Namespace) -> int:
    from ..config import default_person
    from ..report.html import ReportRequest, build

    person = args.person or default_person()
    path = db_path(_data_path(args))
    conn = connect(path, create=False)
    note_damage(conn)
    try:
        selection = _selection(args, person)
        if args.compare is None and selection == q.Selection(person=person):  # nothing chosen: the last session
            last = q.find_sessions(conn, selection)[-1:]
            if not last:
                others = q.people(conn)
                raise HistoryError(_("nothing recorded for {person} (people in the history: {people})").format(
                    person=brief_text(person), people=brief_text(", ".join(others) or "-", 200)))
            selection = q.Selection(person=person, sessions=(last[0].id,))
        page = build(conn, path, ReportRequest(person, selection, tuple(args.compare) if args.compare else None))
    finally:
        conn.close()
    safe = report_name(person)
    out = Path(args.out or f"posture-report-{safe}-{dt.date.today().isoformat()}.html")
    _write_atomically(out, page)
    print(_("wrote {path}").format(path=out))
    return 0


YES = ("y", "yes", "j", "ja")  # English and Dutch


def _confirmed(doomed: Sequence[q.Session], person: str | None) -> bool:
    """Ask on the terminal before deleting more than one session for good; without a terminal the
    caller must say --yes."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise PostureError(ngettext(
            "deleting {n} session for good needs --yes when it cannot be asked on a terminal",
            "deleting {n} sessions for good needs --yes when it cannot be asked on a terminal",
            len(doomed)).format(n=len(doomed)))
    people = sorted({s.person for s in doomed})
    question = ngettext("Delete {n} session of {people} for good, with everything recorded in it? [y/N] ",
                        "Delete {n} sessions of {people} for good, with everything recorded in them? [y/N] ",
                        len(doomed)).format(n=len(doomed), people=person or ", ".join(people) or "-")
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in YES


def _delete(args: argparse.Namespace, conn: Any, selection: q.Selection, chosen: bool, folder: Path) -> int:
    """``history --delete``: the chosen sessions, and the files of everyone who has none left."""
    if not chosen and not args.all:
        raise PostureError(_("say what to delete: --session ID, --days N, --from/--to, or --all"))
    doomed = q.find_sessions(conn, selection)
    missing = sorted(set(args.session) - {s.id for s in doomed})
    if missing:
        raise HistoryError(_("no session {id}{person}: nothing deleted (see the list: posture-monitor "
                               "history)").format(id=missing[0], person=f" ({args.person})" if args.person
                                                  else ""))
    if (args.all or len(doomed) > 1) and not args.yes and not _confirmed(doomed, args.person):
        print(_("nothing deleted"))
        return 1
    lock = RecordingLock(folder)
    lock.acquire(monitor=False)  # not while a monitor records into this history
    busy: HistoryError | None = None
    try:
        try:
            n = delete_sessions(conn, [s.id for s in doomed])
        except HistoryError as exc:  # deleted, but another reader holds the log: the files go all the same
            busy, n = exc, len(doomed)
        sets = 0
        if not args.session:  # a range of days, or everything: the exercise sets in it too
            since = dt.datetime.combine(selection.since, dt.time()).timestamp() if selection.since else None
            until = dt.datetime.combine(selection.until + dt.timedelta(days=1), dt.time()).timestamp() \
                if selection.until else None
            try:
                sets = delete_exercise_sets(conn, args.person, since, until)
            except HistoryError as exc:
                busy = exc
        # Nobody left of a person (a named person asked for with --all goes even with only a
        # calibration): their stored calibrations and snapshots go too.
        names = {s.person for s in doomed} | ({args.person} if args.person and args.all else set())
        if args.person and args.all:
            try:
                delete_person(conn, args.person)
            except HistoryError as exc:
                busy = exc
        left = q.people(conn)
        gone = sorted(names - set(left))
        files = [name for name in gone if _remove_files(person_files(folder, name, in_use=left))]
    finally:
        lock.release()
    if busy is not None:
        raise busy
    print(_("deleted {n} session(s) with everything recorded in them").format(n=n))
    if sets:
        print(ngettext("deleted {n} exercise set", "deleted {n} exercise sets", sets).format(n=sets))
    if files:
        print(ngettext("also deleted the stored calibrations and snapshots of {people}",
                       "also deleted the stored calibrations and snapshots of {people}",
                       len(files)).format(people=", ".join(files)))
    own = [*(folder / "calibrations").glob("*.json"), *(folder / "snapshots").glob("*.png")]
    if args.all and not args.person and own:
        print(_("kept: your own calibrations and snapshots ({n} file(s) in {path}), which are not part of "
                "the history; delete them there if you want them gone").format(n=len(own), path=folder))
    return 0


@_sqlite_errors_as_history_errors
def history_main(args: argparse.Namespace) -> int:
    path = db_path(_data_path(args))
    conn = connect(path, create=False)
    note_damage(conn)
    try:
        selection = _selection(args, args.person)
        chosen = selection != q.Selection(person=args.person)
        if args.delete:
            return _delete(args, conn, selection, chosen, path.parent)
        sessions = q.find_sessions(conn, selection)
        if args.export_csv:
            _export_csv(conn, sessions, selection, Path(args.export_csv))
            print(_("wrote {n} session(s) to {path}").format(n=len(sessions), path=args.export_csv))
        elif args.export_json:
            _export_json(conn, sessions, selection, Path(args.export_json))
            print(_("wrote {n} session(s) to {path}").format(n=len(sessions), path=args.export_json))
        else:
            _list(conn, sessions, path)
            if not selection.sessions:
                _list_sets(find_sets(conn, selection.person, selection.since, selection.until))
    finally:
        conn.close()
    return 0


def _list(conn: Any, sessions: Sequence[q.Session], path: Path) -> None:
    from ..text import duration

    print(_("{n} session(s) in {path}").format(n=len(sessions), path=path))
    if sessions:
        print(f"{_('no.'):>5}  {_('person'):<16} {_('start'):<16}  {_('duration'):>14}  {_('good'):>5}  "
              f"{_('alerts'):>6}  {_('profile'):<8} {_('view'):<9} {_('source')}")
    for s in sessions:
        good, judged = q.posture_seconds(conn, s.id)
        share = f"{100 * good / judged:.0f}%" if judged else "-"
        print(f"{s.id:>5}  {s.person[:16]:<16} {s.start_local:%Y-%m-%d %H:%M}  {duration(s.duration_s):>14}  "
              f"{share:>5}  {q.alert_count(conn, s.id):>6}  {s.profile:<8} {s.view or '':<9} {s.source:<6}"
              + (f"  ({s.end_reason})" if s.end_reason != "finished" else ""))


def _list_sets(sets: Sequence[Any]) -> None:
    """The exercise sets after the sessions: when, whose, which, repetitions counted, best range."""
    if not sets:
        return
    print()
    print(ngettext("{n} exercise set", "{n} exercise sets", len(sets)).format(n=len(sets)))
    print(f"{_('no.'):>5}  {_('person'):<16} {_('start'):<16}  {_('exercise'):<24} {_('reps'):>7}  "
          f"{_('best range'):>10}  {_('wrong'):>5}")
    for s in sets:
        side = {"left": _("left"), "right": _("right")}.get(s.side or "", "")
        name = _(EXERCISE[s.exercise].name) if s.exercise in EXERCISE else s.exercise
        reach = "-" if s.best_range is None else f"{s.best_range:.1f} {s.unit}"
        print(f"{s.id:>5}  {s.person[:16]:<16} {dt.datetime.fromtimestamp(s.start):%Y-%m-%d %H:%M}  "
              f"{(name + (' ' + side if side else ''))[:24]:<24} {f'{s.reps_counted}/{s.reps_asked}':>7}  "
              f"{reach:>10}  {s.wrong_movements:>5}")


def _tables(conn: Any, sessions: Sequence[q.Session], selection: q.Selection) -> dict[str, list[dict[str, Any]]]:
    """The export's rows, by table: the sessions', and the exercise sets of the same person and days."""
    tables: dict[str, list[dict[str, Any]]] = {"sessions": [], "seconds": [], "aggregates": [], "events": [],
                                               "exercise_sets": []}
    for table, row in q.export_rows(conn, sessions):
        tables[table].append(row)
    if not selection.sessions:
        tables["exercise_sets"] = set_rows(find_sets(conn, selection.person, selection.since, selection.until))
    return tables


def _export_csv(conn: Any, sessions: Sequence[q.Session], selection: q.Selection, folder: Path) -> None:
    tables = _tables(conn, sessions, selection)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PostureError(_("cannot write {path}: {problem}").format(path=folder, problem=exc.strerror or exc)) \
            from None
    for table, rows in tables.items():
        fields: list[str] = []
        for row in rows:
            fields.extend(k for k in row if k not in fields)
        text = io.StringIO(newline="")
        w = csv.DictWriter(text, fieldnames=fields or ["session"])
        w.writeheader()
        w.writerows(rows)
        _write_atomically(folder / f"{table}.csv", text.getvalue())


def _export_json(conn: Any, sessions: Sequence[q.Session], selection: q.Selection, path: Path) -> None:
    _write_atomically(path, json.dumps({"schema": SCHEMA_VERSION, **_tables(conn, sessions, selection)},
                                       ensure_ascii=False, indent=1))


def _write_atomically(path: Path, text: str) -> None:
    """Write a new file beside ``path`` and put it in its place: a crash leaves the old one. A path that
    is not a regular file (``/dev/stdout``, a pipe) is written into, never replaced; a pipe nobody
    reads from is an error at once, not a wait without end."""
    tmp: str | None = None
    try:
        try:
            special = not stat.S_ISREG(os.stat(path).st_mode)
        except FileNotFoundError:
            special = False
        if special:
            with open_for_writing(path, newline="") as fh:
                fh.write(text)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:60]}.", suffix=".tmp", dir=path.parent)
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            if tmp is not None:
                os.unlink(tmp)
        except OSError:
            pass
        raise PostureError(_("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc)) \
            from None
