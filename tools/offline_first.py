"""An installer run from uv's cache first: an optimisation, never a verdict.

uv can make an environment, or build a wheel, from its cache alone
(``UV_OFFLINE=1``), which saves the index round trips on a warm machine. On a
fresh machine (a new contributor, a GitHub runner) the cache is empty and the
offline attempt fails, and what uv then says changes from one release to the
next (uv 0.13.9: "there is no version of build==1.6.1", with no word about
the network). So nothing of the offline attempt is read: **any** failure of it
is retried online, and only the online attempt's result is reported. A real
error (a hash mismatch, a broken build) costs one more attempt, and is
reported exactly as it would be without the optimisation.

Every offline-first attempt of the tooling goes through :func:`offline_first`:
``make dist``'s build environment (:mod:`tools.artifacts.dist`, also the
reproducibility rebuild's) and the smoke's sdist build
(:mod:`tools.artifacts.environments`).

A ``UV_OFFLINE`` the user set (to anything) is theirs: one attempt, with it.
"""

import subprocess
from typing import Callable, Dict, Mapping, Optional

OFFLINE = "UV_OFFLINE"


def offline_first(
    attempt: Callable[[Dict[str, str]], "subprocess.CompletedProcess[str]"],
    env: Mapping[str, str],
    before_online: Optional[Callable[[], None]] = None,
) -> "subprocess.CompletedProcess[str]":
    """Run ``attempt(env)`` with ``UV_OFFLINE=1`` first; on any failure, run it
    again online (after ``before_online()``, which may clean up or say so) and
    return that result. With ``UV_OFFLINE`` already in ``env``: once, as is."""
    if OFFLINE in env:
        return attempt(dict(env))
    first = attempt({**env, OFFLINE: "1"})
    if first.returncode == 0:
        return first
    if before_online is not None:
        before_online()
    return attempt(dict(env))
