"""The smoke installer: install a distribution the way users would, then use it.

    python -m tools.publish.smoke --dist-dir dist [--pythons all] [--require-all]
    python -m tools.publish.smoke --index-url URL --version V
        [--sums SHA256SUMS] [--expect-sha256 FILE=DIGEST ...]
        [--timeout 600] [--retry-initial 5] [--retry-max 60]

Every Python 3.X the project claims (``requires-python`` and the version
classifiers) and this machine has, found as ``make test`` finds them
(:mod:`tools.pythons`), gets the wheel in a fresh virtual environment of
its own, in a temporary folder outside the repository; the oldest and the
newest also build a wheel from the sdist and install that. All of it runs in
parallel. In each environment every import package of the project imports
from there and states the built version (``__version__`` where it has one,
and the installed metadata), and every console script answers ``--help``
(and ``--version``, with that version, when it has one); see
:mod:`tools.artifacts.environments`. A claimed Python that is not found is
printed as skipped; ``--require-all`` makes that a failure.

With ``--index-url``, the project's own files come from that index only,
proven by digest (:mod:`tools.publish.fetch`): once the version is listed on
the index's simple API page (waiting for it with exponential backoff, within
``--timeout``; "not there yet" is retried, an index nobody answers for or one
that refuses fails at once), the listed SHA-256 of every file must be the one
the build made (``SHA256SUMS``, default ``./SHA256SUMS``, and/or
``--expect-sha256``); the files are downloaded, checked again, and installed
as local files, as above. Dependencies come from the regular index (pip's or
uv's configuration, untouched), never from the index under test; one that
cannot be found fails at once, saying so.

A failure prints the error a user would see (the last line of the install's
or the import's traceback, then its tail) and exits 1; usage errors exit 2.
"""

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from packaging.version import InvalidVersion, Version

from tools import pythons
from tools.artifacts import archives
from tools.artifacts.environments import (
    Installer,
    Interpreter,
    Sandbox,
    SmokeFailure,
    Target,
    base_env,
    pick_installer,
    start_running,
    stop_running,
    wheel_contents,
)
from tools.common import EXIT_INTERRUPTED, remove_tree, run_main
from tools.project import SUMS_FILE
from tools.publish import fetch, index_check
from tools.publish.fetch import compute_backoff

DEFAULT_TIMEOUT = 600.0  # PyPI can take minutes to show a new release to installers
DEFAULT_RETRY_INITIAL = 5.0
DEFAULT_RETRY_MAX = 60.0
#: Environments made at once: the work is mostly waiting on processes.
DEFAULT_JOBS = (os.cpu_count() or 1) + 1


@dataclass
class Result:
    label: str
    ok: bool
    message: str
    detail: str = ""
    seconds: float = 0.0
    #: An sdist's wheel with the same contents as this wheel of dist/ (which
    #: was tested on the same Python): its verdict is that wheel's.
    same_as: Optional[Path] = None


@dataclass
class Report:
    """What a smoke run did: its results, and the claimed Pythons not found."""

    results: List[Result] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)


# ---- which Pythons -----------------------------------------------------------


class Pythons(NamedTuple):
    """The interpreters to use, oldest first, and the claimed minors not found
    (no problem: the run says it skipped them)."""

    found: List[Interpreter]
    missing: List[str]


def choose_pythons(
    claimed: Sequence[str], found: Dict[str, Optional[str]], selection: str = "all"
) -> Pythons:
    """The interpreters to use, oldest first, and the claimed minors not found.

    ``selection`` is ``all``, ``newest`` (the newest found), or minors
    (``3.9,3.12``), which must be claimed; raises ValueError otherwise.
    """
    # The interpreter itself, not the link to it: make test relinks at will.
    have = [
        Interpreter(m, os.path.realpath(str(found[m]))) for m in claimed if found.get(m)
    ]
    if selection == "all":
        return Pythons(have, [m for m in claimed if not found.get(m)])
    if selection == "newest":
        return Pythons(have[-1:], [])
    wanted = [m.strip() for m in selection.split(",") if m.strip()]
    unclaimed = [m for m in wanted if m not in claimed]
    if unclaimed or not wanted:
        raise ValueError(
            f"--pythons {selection!r}: give all, newest, or some of the claimed "
            f"Pythons ({', '.join(claimed)})"
        )
    chosen = [i for i in have if i.minor in wanted]
    return Pythons(chosen, [m for m in wanted if not found.get(m)])


def find_pythons(selection: str = "all") -> Pythons:
    """The claimed Pythons this machine has (``make test``'s way of finding
    them; the running Python stands in for its own minor), and those missing.

    ``selection`` as for :func:`choose_pythons`, or ``running``: this Python
    when the project claims it (nothing to look for), else the newest found.
    """
    claimed = pythons.claimed_versions()
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if selection == "running":
        if running in claimed:
            return Pythons([Interpreter(running, sys.executable)], [])
        selection = "newest"
    found = pythons.find_interpreters(os.environ, claimed)
    if running in found and not found[running]:
        found[running] = sys.executable
    chosen, skipped = choose_pythons(claimed, found, selection)
    if not chosen:
        raise SmokeFailure(
            f"none of the Pythons the project claims ({', '.join(claimed)}) was "
            "found: install one (e.g. pyenv install 3.12)"
        )
    return Pythons(chosen, skipped)


@dataclass(frozen=True)
class Job:
    path: Path
    interpreter: Interpreter

    @property
    def kind(self) -> archives.DistKind:
        return archives.DistKind.of(self.path)


def plan_jobs(
    files: Sequence[Path], interpreters: Sequence[Interpreter], sdists: bool = True
) -> List[Job]:
    """Each wheel on every Python; each sdist built on the oldest and the newest
    (unless ``sdists`` is false). The sdist builds come first: they take longest.
    """
    ends = list(dict.fromkeys([interpreters[0], interpreters[-1]]))
    wheels = [f for f in files if f.name.endswith(archives.WHEEL_SUFFIX)]
    sdists_ = [f for f in files if f not in wheels] if sdists else []
    return [Job(s, i) for s in sdists_ for i in ends] + [
        Job(w, i) for w in wheels for i in interpreters
    ]


# ---- install and check -----------------------------------------------------------


def smoke_job(
    job: Job, installer: Installer, target: Target, wheels: Sequence[Path] = ()
) -> Result:
    """Install one wheel into a fresh environment of one Python, and use it.

    An sdist is built into a wheel on that Python first. When that wheel
    installs the very files of one of ``wheels`` (dist/'s, tested on the same
    Python by another job: same members, same bytes, but for the lines naming
    the build backend and the metadata format, see ``wheel_contents``), it is
    not installed again: the result says so (``same_as``) and takes that job's
    verdict.
    """
    label = f"{job.kind.value}  {job.interpreter.minor:<5} {job.path.name}"
    start = time.monotonic()
    try:
        expected = archives.file_version(job.path.name, target.name)
        if expected is None:
            raise SmokeFailure(f"not a distribution of {target.name}: {job.path.name}")
        with Sandbox(installer, job.interpreter, base_env()) as box:
            wheel = job.path.resolve()
            if job.kind is archives.DistKind.SDIST:
                wheel = box.build_wheel(wheel)
                contents = wheel_contents(wheel)
                for other in wheels:
                    if other.name == wheel.name and wheel_contents(other) == contents:
                        seen = (
                            f"builds {wheel.name}, which installs the same files as "
                            "dist/'s"
                        )
                        seconds = time.monotonic() - start
                        return Result(label, True, seen, seconds=seconds, same_as=other)
            box.install(wheel, target.name)
            seen = box.check(expected, target)
        if job.kind is archives.DistKind.SDIST:
            seen = f"builds a wheel, which {seen}"
        return Result(label, True, seen, seconds=time.monotonic() - start)
    except SmokeFailure as exc:
        return Result(label, False, exc.message, exc.detail, time.monotonic() - start)


def adopt_verdicts(plan: Sequence[Job], results: Sequence[Result]) -> List[Result]:
    """An sdist whose wheel equals dist/'s wheel passes or fails with that
    wheel's job on the same Python."""
    by_job = dict(zip(plan, results))
    adopted = []
    for job, result in zip(plan, results):
        if result.same_as is not None:
            twin = by_job.get(Job(result.same_as, job.interpreter))
            if twin is None or twin.ok:
                result.message += ", which passed above" if twin else ""
            else:
                result.ok = False
                result.message += f", which failed: {twin.message}"
        adopted.append(result)
    return adopted


def smoke_files(
    files: Sequence[Path],
    installer: Installer,
    target: Target,
    interpreters: Sequence[Interpreter],
    jobs: int = DEFAULT_JOBS,
    sdists: bool = True,
) -> List[Result]:
    """Every job of :func:`plan_jobs`, in parallel; results wheels first."""
    plan = plan_jobs(files, interpreters, sdists)
    wheels = [job.path for job in plan if job.kind is archives.DistKind.WHEEL]
    start_running()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(smoke_job, job, installer, target, wheels) for job in plan
        ]
        try:
            results = adopt_verdicts(plan, [future.result() for future in futures])
        except BaseException:  # Ctrl-C: stop the installs, let the workers clean up
            stop_running()
            raise
    order = {archives.DistKind.WHEEL: 0, archives.DistKind.SDIST: 1}
    return [r for _, r in sorted(zip(plan, results), key=lambda p: order[p[0].kind])]


def find_dists(dist_dir: Path, project: str) -> List[Path]:
    """The wheels and sdists of ``project`` in ``dist_dir``; raises if none."""
    if not dist_dir.is_dir():
        raise SmokeFailure(f"{dist_dir}/ does not exist: build it first (make dist)")
    found = archives.find_dists(dist_dir)
    ours = [
        [p for p in paths if archives.file_version(p.name, project) is not None]
        for paths in (found.wheels, found.sdists)
    ]
    missing = [kind for kind, paths in zip(("wheel", "sdist"), ours) if not paths]
    if missing:
        raise SmokeFailure(
            f"{dist_dir}/ has no {' and no '.join(missing)} of {project}: "
            "build it first (make dist)"
        )
    return ours[0] + ours[1]


# ---- from an index -------------------------------------------------------------


@dataclass(frozen=True)
class Waited:
    probe: index_check.Probe
    attempts: int
    elapsed: float


def wait_for_version(
    look: Callable[[float], index_check.Probe],
    timeout: float,
    initial: float,
    maximum: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Waited:
    """Look until the version is found, a look says retrying is pointless, or
    ``timeout`` seconds have passed; ``look`` gets the time left."""
    start = clock()
    attempt = 0
    while True:
        attempt += 1
        found = look(max(1.0, min(15.0, timeout - (clock() - start))))
        elapsed = clock() - start
        if not found.kind.retryable or elapsed >= timeout:
            return Waited(found, attempt, elapsed)
        sleep(min(compute_backoff(attempt - 1, initial, maximum), timeout - elapsed))


def explain_wait(
    waited: Waited,
    index_url: str,
    version: Version,
    timeout: float,
    initial: float,
    maximum: float,
    project: str,
) -> str:
    """The one final message when the version could not be had from the index."""
    found = waited.probe
    times = f"{waited.attempts} time{'' if waited.attempts == 1 else 's'}"
    page = index_check.project_url(index_url, project)
    if found.kind.retryable:
        return (
            f"{project} {version} did not appear on {index_url} within "
            f"{timeout:g} s ({found.kind}): looked at {page} {times} over "
            f"{waited.elapsed:.1f} s, waiting {initial:g} s at first, doubling up "
            f"to {maximum:g} s; the last answer: {found.detail}"
        )
    if found.kind == index_check.Kind.UNREACHABLE:
        advice = "check the address, and that the index is up"
    else:
        advice = "check the index URL (a simple API root) and its access rules"
    return (
        f"{found.kind}: {found.detail}; gave up after looking {times} in "
        f"{waited.elapsed:.1f} s, without retrying ({advice})"
    )


def every_file_listed(
    look: Callable[[float], index_check.Probe], expected: Dict[str, str]
) -> Callable[[float], index_check.Probe]:
    """A look that finds the version only once all the built files are listed."""

    def look_all(seconds: float) -> index_check.Probe:
        found = look(seconds)
        names = {item.filename for item in found.files}
        late = sorted(set(expected) - names)
        if found.kind != index_check.Kind.FOUND or not late:
            return found
        listed = ", ".join(sorted(names))
        detail = f"the page lists {listed} but not {', '.join(late)} yet"
        return index_check.Probe(
            index_check.Kind.MISSING, detail, found.files, found.listed
        )

    return look_all


def smoke_index(
    index_url: str,
    version: Version,
    expected: Dict[str, str],
    installer: Installer,
    target: Target,
    interpreters: Sequence[Interpreter],
    timeout: float = DEFAULT_TIMEOUT,
    initial: float = DEFAULT_RETRY_INITIAL,
    maximum: float = DEFAULT_RETRY_MAX,
    source: str = SUMS_FILE,
    jobs: int = DEFAULT_JOBS,
    sdists: bool = True,
    look: Optional[Callable[[float], index_check.Probe]] = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    get: Callable[..., index_check.Answer] = index_check.fetch,
) -> List[Result]:
    """Wait for the built files on the index, check their digests, download
    them, then smoke them like local files (:func:`smoke_files`).

    ``expected`` is ``{file name: sha256}`` of the build (``source`` says
    where it came from). No wait goes past ``timeout``. With ``sdists``
    false, the sdist's digest is checked but no wheel is built from it.
    """
    label = f"index  {target.name}=={version} from {index_url}"
    start = clock()
    if look is None:

        def look(seconds: float) -> index_check.Probe:
            return index_check.probe(index_url, version, target.name, timeout=seconds)

    folder = Path(tempfile.mkdtemp(prefix="release-smoke-index-"))
    try:
        look_all = every_file_listed(look, expected)
        waited = wait_for_version(look_all, timeout, initial, maximum, clock, sleep)
        if waited.probe.kind != index_check.Kind.FOUND:
            message = explain_wait(
                waited, index_url, version, timeout, initial, maximum, target.name
            )
            return [Result(label, False, message, seconds=clock() - start)]
        compared = fetch.compare_listing(
            waited.probe.listed, expected, version, index_url, target.name, source
        )
        if not compared.ok:
            said = "; ".join(map(str, compared.problems))
            return [Result(label, False, said, seconds=clock() - start)]
        left = timeout - (clock() - start)
        try:
            paths, retries = fetch.download(
                waited.probe.listed, expected, index_url, folder, target.name,
                left, initial, maximum, clock, sleep, get,
            )  # fmt: skip
        except fetch.FetchError as exc:
            return [Result(label, False, str(exc), seconds=clock() - start)]
        looks = f"{waited.attempts} look{'' if waited.attempts == 1 else 's'}"
        message = (
            f"listed after {looks}; {len(paths)} file(s) served with the built "
            f"SHA-256 ({source})"
        )
        if retries:
            message += f", after {retries} retried download(s)"
        fetched = Result(label, True, message, seconds=clock() - start)
        results = smoke_files(paths, installer, target, interpreters, jobs, sdists)
        return [fetched] + results
    finally:
        remove_tree(folder)


# ---- output and command line -------------------------------------------------


def format_result(result: Result) -> List[str]:
    mark = "ok  " if result.ok else "FAIL"
    lines = [f"  {mark}  {result.label}: {result.message} ({result.seconds:.1f} s)"]
    for line in result.detail.strip().splitlines()[-15:]:
        lines.append(f"        | {line.rstrip()}")
    return lines


def skipped_lines(skipped: Sequence[str]) -> List[str]:
    return [
        f"  skipped: Python {m} (claimed, not found on this machine)" for m in skipped
    ]


def print_results(report: Report, require_all: bool = False) -> int:
    results = report.results
    for result in results:
        print("\n".join(format_result(result)), flush=True)
    for line in skipped_lines(report.skipped):
        print(line, flush=True)
    failed = [r for r in results if not r.ok]
    summary = f"{len(results) - len(failed)} of {len(results)} passed"
    if report.skipped:
        summary += f"; Python {', '.join(report.skipped)} skipped (not found)"
    if failed:
        print(f"smoke: {len(failed)} of {len(results)} failed", flush=True)
        return 1
    if report.skipped and require_all:
        print(
            f"smoke: {summary}; --require-all: install every claimed Python "
            "(e.g. with pyenv or setup-python), or stop claiming it",
            flush=True,
        )
        return 1
    print(f"smoke: {summary}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.publish.smoke",
        description="Install a distribution into fresh environments and use it.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dist-dir", type=Path, help="smoke the wheel and sdist here")
    source.add_argument("--index-url", help="take the project's files from this index")
    parser.add_argument("--version", help="the version to install from the index")
    parser.add_argument(
        "--sums",
        default="",
        help=f"the build's {SUMS_FILE} (--index-url; default: ./{SUMS_FILE} when "
        "no --expect-sha256 is given)",
    )
    parser.add_argument(
        "--expect-sha256",
        action="append",
        default=[],
        metavar="FILE=DIGEST",
        help="a built file's SHA-256 (--index-url; repeatable; one value may hold "
        "several pairs separated by spaces)",
    )
    parser.add_argument(
        "--pythons",
        default="all",
        help="all (default: every claimed Python found), newest, running (this "
        "one), or 3.X[,3.Y]",
    )
    parser.add_argument(
        "--require-all",
        action="store_true",
        help="fail when a claimed Python is not found on this machine",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for the version to appear (default: %(default)g)",
    )
    parser.add_argument(
        "--retry-initial",
        type=float,
        default=DEFAULT_RETRY_INITIAL,
        help="first wait between tries, doubled each time (default: %(default)g)",
    )
    parser.add_argument(
        "--retry-max",
        type=float,
        default=DEFAULT_RETRY_MAX,
        help="longest wait between tries (default: %(default)g)",
    )
    parser.add_argument("--installer", choices=("auto", "uv", "pip"), default="auto")
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help="environments made at once (default: %(default)s)",
    )
    parser.add_argument("--serial", action="store_true", help="the same as --jobs 1")
    return parser


def expected_digests(
    args: argparse.Namespace, version: Version, project: str
) -> Tuple[Dict[str, str], str]:
    """The built digests the index must serve, and where they came from."""
    sources = {}
    if args.expect_sha256:
        sources["--expect-sha256"] = fetch.parse_expected(args.expect_sha256)
    sums = Path(args.sums) if args.sums else None
    if sums is None and not any(sources.values()):
        sums = Path(SUMS_FILE)
    if sums is not None:
        sources[str(sums)] = fetch.read_expected(sums)
    digests = fetch.merge_expected(sources)
    return fetch.for_version(digests, version, project), " and ".join(
        s for s, d in sources.items() if d
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.index_url and not args.version:
        parser.error("--index-url needs --version")
    if args.dist_dir and (args.version or args.sums or args.expect_sha256):
        parser.error(
            "--version, --sums and --expect-sha256 go with --index-url (with "
            "--dist-dir, the files are at hand)"
        )
    if min(args.timeout, args.retry_initial, args.retry_max) < 0:
        parser.error("--timeout and --retry-* must not be negative")
    jobs = 1 if args.serial else args.jobs
    if jobs < 1:
        parser.error("--jobs must be at least 1")
    target = Target.of()
    try:
        installer = pick_installer(args.installer)
        if args.index_url:
            try:
                version = Version(args.version)
            except InvalidVersion:
                parser.error(f"--version: not a PEP 440 version: {args.version!r}")
            try:
                expected, source = expected_digests(args, version, target.name)
            except ValueError as exc:
                parser.error(str(exc))
        try:
            interpreters, skipped = find_pythons(args.pythons)
        except ValueError as exc:
            parser.error(str(exc))
        where = ", ".join(i.minor for i in interpreters)
        report = Report(skipped=skipped)
        if args.index_url:
            what = f"{target.name}=={version} from {args.index_url} (own files only)"
            print(
                f"smoke: installing {what} on Python {where} ({installer.name})",
                flush=True,
            )
            report.results = smoke_index(
                args.index_url, version, expected, installer, target, interpreters,
                args.timeout, args.retry_initial, args.retry_max, source, jobs,
            )  # fmt: skip
        else:
            files = find_dists(args.dist_dir, target.name)
            what = f"each file of {args.dist_dir}/ into fresh environments"
            print(
                f"smoke: installing {what} of Python {where} ({installer.name})",
                flush=True,
            )
            report.results = smoke_files(files, installer, target, interpreters, jobs)
    except SmokeFailure as exc:
        print(f"smoke: error: {exc.message}")
        return 1
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (run_main)
        print("smoke: interrupted: temporary folders removed")
        return EXIT_INTERRUPTED
    return print_results(report, args.require_all)


if __name__ == "__main__":
    run_main(main)
