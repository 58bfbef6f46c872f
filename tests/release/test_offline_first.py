"""tools.offline_first: the offline attempt is an optimisation, never a verdict."""

import subprocess
from pathlib import Path

import pytest

from tools.offline_first import offline_first

DATA = Path(__file__).parent / "data"


def attempts(*answers):
    """An attempt answering each call in turn (exit code, output); the
    environments it was called with."""
    seen = []

    def attempt(env):
        code, output = answers[len(seen)]
        seen.append(env)
        return subprocess.CompletedProcess(["uv"], code, output, "")

    return attempt, seen


def test_a_warm_cache_is_used_once_offline():
    attempt, seen = attempts((0, "done"))
    assert offline_first(attempt, {"PATH": "/bin"}).stdout == "done"
    assert seen == [{"PATH": "/bin", "UV_OFFLINE": "1"}]


@pytest.mark.parametrize(
    "offline_output",
    [
        # what uv 0.13.9 really says offline on an empty cache: no word of
        # the network, so it is not read at all
        (DATA / "uv-0.13.9-offline-cold-cache.txt").read_text(),
        (DATA / "uv-0.13.9-hash-mismatch.txt").read_text(),
        "",
    ],
)
def test_any_offline_failure_is_made_again_online_and_only_that_reported(
    offline_output,
):
    attempt, seen = attempts((1, offline_output), (2, "the online failure"))
    cleaned = []
    result = offline_first(attempt, {"PATH": "/bin"}, lambda: cleaned.append(1))
    assert (result.returncode, result.stdout) == (2, "the online failure")
    assert [env.get("UV_OFFLINE") for env in seen] == ["1", None]
    assert cleaned == [1]


def test_a_users_own_uv_offline_is_theirs():
    attempt, seen = attempts((1, "no network"))
    assert offline_first(attempt, {"UV_OFFLINE": "0"}).returncode == 1
    assert seen == [{"UV_OFFLINE": "0"}]
