"""Hatch build hook: write the version file named in pyproject.toml.

``[tool.hatch.build.hooks.custom] version-file`` says where. hatch-vcs decides
the version (from git tags, or from ``SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<dist
name>`` for TestPyPI dev builds). This hook writes that version and the
commit it was built from into the package, so that an installed copy can say
where it came from even when its version has no local part. Building a wheel
from an sdist (no git there) keeps the commit the sdist recorded.
"""

import os
import re
import subprocess

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TEMPLATE = """\
# Written by hatch_build.py at build time: do not edit, do not commit.
__version__ = version = {version!r}
__commit_id__ = commit_id = {commit!r}
"""


def git_commit(root):
    """The commit of ``root``'s checkout, or None outside a git checkout."""
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.decode().strip() or None


def recorded_commit(path, version):
    """The commit an earlier build (the sdist) recorded for this same version."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return None
    if "version = {!r}".format(version) not in text:
        return None
    match = re.search(r"commit_id = '([0-9a-f]+)'", text)
    return match.group(1) if match else None


class VersionFileHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        version_number = self.metadata.version
        version_file = self.config.get("version-file")
        if not version_file:
            raise ValueError(
                "set [tool.hatch.build.hooks.custom] version-file in pyproject.toml"
                " (e.g. src/<package>/_version.py)"
            )
        version_file = version_file.strip("/")
        path = os.path.join(self.root, version_file)
        commit = git_commit(self.root) or recorded_commit(path, version_number)
        content = TEMPLATE.format(version=version_number, commit=commit)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        build_data["artifacts"].append("/" + version_file)
