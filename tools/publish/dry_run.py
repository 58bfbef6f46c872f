"""Publish for real, to a throwaway package index on this machine, and install.

    python -m tools.publish.dry_run [--dist-dir dist] [--timeout 60]
        [--retry-initial 0.2]

1. Starts ``pypiserver`` bound to 127.0.0.1 on a free port, over a temporary
   package folder, with upload authentication: an htpasswd file made on the
   fly (passlib) with a random password.
2. Uploads exactly the files in ``dist/`` with ``twine upload`` (what the
   publish job uploads), after the guards the real publish path has
   (``tools.publish.index_check``): before the server starts, ``dist/`` must match
   ``SHA256SUMS`` beside it, byte for byte; then a file already on the index
   is skipped when its bytes are identical and refused when they differ.
3. Takes the uploaded files back from that index alone, checked by digest,
   installs the wheel into a fresh environment of the running Python (its
   dependencies from the regular index; make smoke tries every Python) and
   runs the smoke checks (``tools.publish.smoke``).
4. Prints the index address, what was uploaded (names, sizes, SHA-256) and the
   install result.

Whatever happens (success, failure, Ctrl-C, SIGTERM), the server is stopped
(it runs in its own process group: terminated, then killed) and the temporary
folders are removed.
"""

import argparse
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path
from typing import List, Optional, Sequence

from packaging.version import Version

from tools.artifacts import archives, environments
from tools.artifacts.checksums import Difference, differences
from tools.common import (
    EXIT_INTERRUPTED,
    Checked,
    Problem,
    Terminated,
    last_line,
    remove_tree,
    run_main,
    sha256,
    sigterm_as_interrupt,
    stop_groups,
)
from tools.project import load
from tools.publish import index_check, smoke

USERNAME = "dry-run"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


class ServerError(Exception):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def write_htpasswd(path: Path, username: str, password: str) -> None:
    """An htpasswd file with one user (passlib; pypiserver reads it with it)."""
    with warnings.catch_warnings():
        # passlib (1.7.4, the last release) imports the stdlib's deprecated crypt.
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile

        passwords = HtpasswdFile(str(path), new=True)
        passwords.set_password(username, password)
        passwords.save()


class LocalIndex:
    """A pypiserver on loopback over a temporary folder; a context manager.

    ``authenticate`` is what needs a password (pypiserver's ``-a``): uploads
    by default. Leaving the block stops the server and removes the folder.
    """

    def __init__(
        self, authenticate: str = "update", startup_timeout: float = STARTUP_TIMEOUT
    ) -> None:
        self.authenticate = authenticate
        self.startup_timeout = startup_timeout
        self.username = USERNAME
        self.password = secrets.token_urlsafe(18)
        self.root: Optional[Path] = None
        self.process: "Optional[subprocess.Popen[bytes]]" = None
        self.port = 0

    @property
    def url(self) -> str:
        """Where uploads go."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        """The simple API root, for installers."""
        return f"{self.url}simple/"

    @property
    def packages(self) -> Path:
        assert self.root is not None
        return self.root / "packages"

    def __enter__(self) -> "LocalIndex":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="publish-dry-run-"))
        self.packages.mkdir()
        htpasswd = self.root / "htpasswd"
        write_htpasswd(htpasswd, self.username, self.password)
        for _ in range(3):  # the free port may be taken before the server binds
            self.port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "pypiserver",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--passwords",
                str(htpasswd),
                "--authenticate",
                self.authenticate,
                "--disable-fallback",  # never redirect to PyPI
                "--log-file",
                str(self.root / "server.log"),
                "--log-stream",
                "none",
                str(self.packages),
            ]
            self.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, stopped as one
            )
            if self._wait_ready():
                return
            self._stop_process()
        raise ServerError(f"pypiserver did not start: {self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}health", timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def log_tail(self) -> str:
        log = self.root / "server.log" if self.root else None
        if log and log.is_file():
            return last_line(log.read_text(errors="replace")) or "(empty log)"
        return "(no log)"

    def _stop_process(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        stop_groups([proc], STOP_TIMEOUT)

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        """Stop the server (its whole process group), remove the folder."""
        try:
            self._stop_process()
        finally:
            if self.root is not None:
                remove_tree(self.root)


def verify_listing(
    index_url: str, files: Sequence[Path], version: Version
) -> List[Problem]:
    """Problems with what the index lists after the upload: every file, same hash."""
    found = index_check.probe(index_url, version)
    if found.kind != index_check.Kind.FOUND:
        return [Problem(f"after the upload: {found.kind}: {found.detail}")]
    built = {path.name: sha256(path) for path in files}
    served = index_check.listed_digests(found.files, built)
    problems = []
    for name, how in differences(built, served):
        if how is Difference.MISSING:
            problems.append(Problem(f"{name} is not listed on {index_url}", "", name))
        elif how is Difference.CHANGED:
            problems.append(
                Problem(f"{name} on {index_url} has another SHA-256", "", name)
            )
    return problems


def dry_run(
    dist_dir: Path,
    timeout: float,
    retry_initial: float,
    installer: environments.Installer,
) -> int:
    def say(text: str) -> None:
        print(text, flush=True)

    verified = index_check.verified_dist(dist_dir)  # before any server starts
    files = verified.value
    found: Checked[Optional[Version]] = Checked(None)
    if files:
        found = archives.dist_version(files, load().name)
    version = found.value
    if verified.problems or found.problems or version is None:
        for problem in verified.problems + found.problems:
            say(f"error: {problem}")
        return 1
    if version.local:
        say(
            f"note: {version} has a local part (+{version.local}): PyPI and TestPyPI "
            "refuse it (HTTP 400); this local index takes it"
        )
    start = time.monotonic()
    with LocalIndex() as server:
        where = f"pypiserver pid {server.pid}, uploads to {server.url}"
        say(f"index: {server.simple_url} ({where})")
        code = index_check.upload(
            files,
            server.url,
            server.simple_url,
            username=server.username,
            password=server.password,
        )
        if code != 0:
            return code
        problems = verify_listing(server.simple_url, files, version)
        if problems:
            for problem in problems:
                say(f"error: {problem}")
            return 1
        say(f"listed on the index with the same SHA-256: {len(files)} file(s)")
        # The project's files from this index only (by digest: the bytes
        # uploaded), its dependencies from the regular index. make smoke has
        # tried these bytes on every Python: here the wheel on this one.
        interpreters, _ = smoke.find_pythons("running")
        results = smoke.smoke_index(
            server.simple_url,
            version,
            {path.name: sha256(path) for path in files},
            installer,
            environments.Target.of(),
            interpreters,
            timeout=timeout,
            initial=retry_initial,
            maximum=max(retry_initial, 2.0),
            source="the uploaded files",
            sdists=False,
        )
        code = smoke.print_results(smoke.Report(results))
    word = "passed" if code == 0 else "FAILED"
    say(f"publish dry run {word} in {time.monotonic() - start:.1f} s (index stopped)")
    return code


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.publish.dry_run",
        description="Upload dist/ to a throwaway local index, install from it.",
    )
    parser.add_argument("--dist-dir", type=Path, default=Path("dist"))
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds the install waits for the version (default: %(default)g)",
    )
    parser.add_argument("--retry-initial", type=float, default=0.2)
    parser.add_argument("--installer", choices=("auto", "uv", "pip"), default="auto")
    args = parser.parse_args(argv)
    restore = sigterm_as_interrupt()  # run_main does it too; main() may be called
    try:
        installer = environments.pick_installer(args.installer)
        return dry_run(
            args.dist_dir,
            args.timeout,
            args.retry_initial,
            installer,
        )
    except environments.SmokeFailure as exc:
        print(f"error: {exc.message}")
        return 1
    except ServerError as exc:
        print(f"error: {exc}")
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (sigterm_as_interrupt)
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"publish dry run {what}: index stopped, temporary folders removed")
        return EXIT_INTERRUPTED
    finally:
        restore()


if __name__ == "__main__":
    run_main(main)
