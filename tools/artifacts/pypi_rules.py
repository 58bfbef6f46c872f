"""PyPI's upload rules, applied to dist/ before anything is uploaded (make pypi-rules).

    python -m tools.artifacts.pypi_rules [--dist-dir dist]

pypiserver (the dry run's index) takes anything; PyPI's upload endpoint
(warehouse's ``forklift``) refuses a file that breaks one of its rules, and
the maintainer learns it in the publish job, after the tag is pushed. This
module applies to each built file every rule of that endpoint that can be
decided without PyPI's database, with the libraries warehouse itself uses
(packaging's validating metadata parser, trove-classifiers, email-validator,
rfc3986, readme-renderer). Each problem reads "PyPI would reject this
upload: <why>; <fix>". The rules on the files themselves (names, archives,
RECORD, entry points) are in :mod:`tools.artifacts.pypi_files`; the metadata
rules are here. It only reads ``dist/``, so ``make release-check``
runs it in parallel with the other stages.

A local version (``+g1234abc``) is refused for a release (``--tag``, a
release tag on HEAD) and a TestPyPI build (``--dev``); a local development
build, never uploaded, gets a warning for it instead.

The rules, with their source in pypi/warehouse (commit 6b62157, 2026-08-21;
``legacy`` is ``warehouse/forklift/legacy.py``, ``metadata`` is
``warehouse/forklift/metadata.py``):

Checked here:

- file name characters, no control character, no ``/`` or ``\\``, a ``.whl``
  or ``.tar.gz`` extension: legacy ``_validate_filename`` (L243-283);
- the archive opens as what its name says, not both a zip and a tar; a wheel
  uses only stored/deflated members and a sane compression ratio, and holds
  ``{name}-{version}.dist-info/WHEEL``; an sdist has one top folder with
  ``PKG-INFO`` in it and no sparse member: legacy ``_is_valid_dist_file``
  (L294-480);
- the ZIP framing warehouse refuses: a data descriptor, a comment in the
  central directory, a control character in a member name, a name that is
  not UTF-8: ``warehouse/utils/zipfiles.py`` (the checks that zipfile's own
  reading exposes; see "not checked");
- the metadata parses and validates with packaging (``Metadata.from_email``,
  what ``metadata.parse`` calls): every field's form, names, versions,
  requirements, markers, extras, licence expression: metadata L73-94;
- Metadata-Version is one warehouse supports: metadata L107-113;
- no local version (``+local``): metadata L116-122;
- Summary at most 512 characters: metadata L128-137;
- Author-email and Maintainer-email are valid addresses (email-validator,
  no deliverability check): metadata L148-160;
- every classifier is a trove classifier and none is deprecated: metadata
  L162-191;
- Home-page and Download-URL are valid URLs, every Project-URL has a label of
  at most 32 characters and a valid URL (rfc3986): metadata L195-222;
- Provides-Dist and Obsoletes-Dist are valid requirements without a URL:
  metadata L225-250;
- no Requires-Dist is a direct URL ("Can't have direct dependency"):
  metadata L252-263;
- every Dynamic field is one PEP 643 allows: metadata L265-276;
- License and License-Expression are not both given: metadata L278-288;
- the project name matches ``PROJECT_NAME_RE`` (the upload form's Name):
  ``warehouse/forklift/forms.py`` L30-43;
- the description renders for its Description-Content-Type with
  readme-renderer, no fallback: legacy L902-931 (``warehouse/utils/readme.py``);
- an sdist's file name parses, starts with the normalized project name and
  is exactly ``{name}-{version}.tar.gz`` (PEP 625): legacy L1317-1393;
- every License-File exists in the sdist (``{top}/{file}``) and in the wheel
  (``.dist-info/licenses/{file}``): legacy L1397-1422, L1515-1538;
- a wheel's file name parses, its platform tags are ones PyPI accepts, it
  starts with the normalized project name, its version equals the
  metadata's: legacy L1424-1503 (``_valid_platform_tag``, L199-231);
- a wheel has a RECORD (a RECORD that disagrees with the members is only
  e-mailed about: a warning here): legacy L1540-1565,
  ``warehouse/utils/wheel.py`` ``_validate_record``;
- ``entry_points.txt`` is a valid INI file and the console/gui script names
  match ``[\\w.-]+``: legacy L1566-1583, ``wheel.py`` ``_validate_entrypoints``;
- a wheel has its METADATA: legacy L1585-1607.

Also refused here, though PyPI takes it: a relative link or image in the
long description (PyPI renders it against pypi.org, so it is broken there).

Not checked (they need PyPI's database, account or servers): the project
name's ownership and the upload permission (legacy L813-844); a new
project's name being prohibited or too close to an existing one
(``create_project``, legacy L795); the file already existing or its name
having been used before (legacy L1205-1240); adding files to a release older
than 14 days (legacy L1247-1260); a second sdist for a release already on
PyPI (legacy L1262-1275; dist/ holding one sdist is sanity's rule); the
per-file and per-project size limits of that project (legacy L1132-1175;
sanity checks the default 100 MB); the YARA scan of members
(``warehouse/utils/scanner.py``, rules for obfuscators); the attestations
(legacy L1629-1650); 2FA, verified e-mail, organisation standing and rate
limits (legacy L565-610, L850); and the ZIP framing checks that need the
raw bytes of local headers (mismatched sizes between local and central
headers, ZIP64 extensible data).
"""

import argparse
import email.message
import email.utils
import html.parser
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Tuple

from packaging.metadata import ExceptionGroup, Metadata
from packaging.requirements import InvalidRequirement, Requirement

from tools.artifacts.archives import find_dists
from tools.artifacts.pypi_files import (
    PREFIX,
    REBUILD,
    Built,
    check_filename,
    check_license_files,
    check_sdist_name,
    check_wheel_files,
    check_wheel_name,
    read_sdist,
    read_wheel,
    reject,
)
from tools.common import ROOT, Checked, NoticeKind, Problem, notices, report, run_main
from tools.project import DIST_DIR, ConfigError, Project
from tools.project import load as load_project

# metadata SUPPORTED_METADATA_VERSIONS
SUPPORTED_METADATA_VERSIONS = {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
# metadata DYNAMIC_FIELDS (PEP 643, PEP 794), lower-cased as compared there
DYNAMIC_FIELDS = {
    f.lower()
    for f in (
        "Platform Supported-Platform Summary Description Description-Content-Type "
        "Keywords Home-Page Download-Url Author Author-Email Maintainer "
        "Maintainer-Email License License-Expression License-File Classifier "
        "Requires-Dist Requires-Python Requires-External Project-Url "
        "Provides-Extra Provides-Dist Obsoletes-Dist Requires Provides Obsoletes "
        "Import-Name Import-Namespace"
    ).split()
}
SUMMARY_LIMIT = 512
URL_LABEL_LIMIT = 32
PROJECT_NAME_RE = re.compile(
    r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z", re.IGNORECASE | re.ASCII
)

# -- the metadata --------------------------------------------------------------

PYPROJECT_FIX = {
    "name": "fix [project] name in pyproject.toml",
    "version": "fix the release tag (the version comes from it)",
    "summary": "shorten [project] description in pyproject.toml",
    "author-email": "fix [project] authors' email in pyproject.toml",
    "maintainer-email": "fix [project] maintainers' email in pyproject.toml",
    "classifier": (
        "fix [project] classifiers in pyproject.toml (the list: "
        "https://pypi.org/classifiers/)"
    ),
    "requires-dist": "fix [project] dependencies in pyproject.toml",
    "project-url": "fix [project.urls] in pyproject.toml",
    "license": (
        "keep only [project] license as an SPDX expression in pyproject.toml "
        "(PEP 639)"
    ),
}


def _fix(field: str) -> str:
    return PYPROJECT_FIX.get(field.lower(), f"fix the {field} field: " + REBUILD)


def parse_metadata(built: Built, data: bytes) -> Checked[Optional[Metadata]]:
    """packaging's validating parser, as warehouse's ``metadata.parse``."""
    try:
        return Checked(Metadata.from_email(data, validate=True))
    except ExceptionGroup as group:
        problems = []
        for exc in group.exceptions:
            fieldname = getattr(exc, "field", "metadata")
            problems.append(reject(built, f"{fieldname}: {exc}", _fix(fieldname)))
        return Checked(None, problems)


def _valid_email(text: str) -> Optional[str]:
    """Why the address in ``text`` is invalid (None if it is fine or absent)."""
    import email_validator

    for _name, address in email.utils.getaddresses([text]):
        if address:
            try:
                email_validator.validate_email(address, check_deliverability=False)
            except email_validator.EmailNotValidError as exc:
                return f"{address!r} is not a valid email address: {exc}"
    return None


def valid_uri(url: str) -> bool:
    """warehouse's ``http.is_valid_uri(url, require_authority=False)``."""
    from rfc3986 import (  # type: ignore[import-untyped]
        exceptions,
        uri_reference,
        validators,
    )

    uri = uri_reference(url).normalize()
    validator = validators.Validator().allow_schemes("http", "https")
    validator.require_presence_of("scheme")
    try:
        validator.validate(uri)
    except exceptions.ValidationError:
        return False
    return True


def check_metadata(
    built: Built, meta: Metadata, release: bool = True
) -> Checked[List[str]]:
    """The warnings (the value) and problems of warehouse's
    ``_validate_metadata``, the rules above packaging's own. A local version is
    a warning only when the build is no release (``release`` False: neither a
    tag nor a TestPyPI build)."""
    from trove_classifiers import all_classifiers, deprecated_classifiers

    problems: List[Problem] = []
    warnings: List[str] = []

    def add(fieldname: str, why: str) -> None:
        problems.append(reject(built, f"{fieldname}: {why}", _fix(fieldname)))

    if meta.metadata_version not in SUPPORTED_METADATA_VERSIONS:
        add("metadata-version", f"{meta.metadata_version!r} is not supported")
    if meta.version.local:
        local = reject(
            built,
            f"version: the use of local versions in '{meta.version}' is not allowed",
            "build from a release tag on a clean tree (make dist), or a "
            "TestPyPI dev build (make dist DEV=1)",
        )
        if release:
            problems.append(local)
        else:
            warnings.append(
                f"version {meta.version} has a local part (a development build of "
                f"this machine): {PREFIX}; build from a release tag (TAG=vX.Y.Z) "
                "or with DEV=1 for TestPyPI"
            )
    if meta.summary and len(meta.summary) > SUMMARY_LIMIT:
        add("summary", f"must be {SUMMARY_LIMIT} characters or less")
    for fieldname, value in (
        ("author-email", meta.author_email),
        ("maintainer-email", meta.maintainer_email),
    ):
        why = _valid_email(value) if value else None
        if why:
            add(fieldname, why)
    classifiers = set(meta.classifiers or [])
    for classifier in sorted(classifiers - set(all_classifiers)):
        add("classifier", f"{classifier!r} is not a valid classifier")
    for classifier in sorted(classifiers & set(deprecated_classifiers)):
        instead = deprecated_classifiers[classifier]
        add(
            "classifier",
            f"the classifier {classifier!r} has been deprecated"
            + (f", use one of {instead} instead" if instead else ""),
        )
    for fieldname, url in (
        ("home-page", meta.home_page),
        ("download-url", meta.download_url),
    ):
        if url is not None and not valid_uri(url):
            add(fieldname, f"{url!r} is not a valid url")
    for label, url in (meta.project_urls or {}).items():
        if not label:
            add("project-url", "must have a label")
        elif len(label) > URL_LABEL_LIMIT:
            add(
                "project-url", f"{label!r} must be {URL_LABEL_LIMIT} characters or less"
            )
        elif not url:
            add("project-url", f"{label!r} must have a URL")
        elif not valid_uri(url):
            add("project-url", f"{url!r} is not a valid url")
    for fieldname, values in (
        ("provides-dist", meta.provides_dist),
        ("obsoletes-dist", meta.obsoletes_dist),
    ):
        for text in values or []:
            try:
                req = Requirement(text)
            except InvalidRequirement as exc:
                add(fieldname, f"{text!r} is invalid: {exc}")
                continue
            if req.url is not None:
                add(fieldname, f"Can't have direct dependency: {text!r}")
    for requirement in meta.requires_dist or []:
        if requirement.url is not None:
            problems.append(
                reject(
                    built,
                    f"requires-dist: Can't have direct dependency: {requirement}",
                    f"depend on {requirement.name} by version from an index "
                    f"(e.g. {requirement.name}>=X.Y in [project] dependencies), "
                    "and publish it there first",
                )
            )
    for key in meta.dynamic or []:
        if key.lower() not in DYNAMIC_FIELDS:
            add("dynamic", f"dynamic field {key!r} is not a valid dynamic field")
    if meta.license and meta.license_expression:
        add(
            "license",
            "License is deprecated when License-Expression is present; only "
            "License-Expression should be present",
        )
    if not PROJECT_NAME_RE.match(meta.name):
        add(
            "name",
            f"{meta.name!r}: start and end with a letter or numeral containing "
            "only ASCII numeric and '.', '_' and '-'",
        )
    return Checked(warnings, problems)


def check_description(built: Built, meta: Metadata) -> List[Problem]:
    """legacy L902-931: the description renders with no fallback; and no
    relative link or image (our rule: they are broken on PyPI)."""
    if not meta.description:
        return []
    import importlib

    content_type = meta.description_content_type or "text/x-rst"
    message = email.message.EmailMessage()
    message["content-type"] = content_type
    kind = message.get_content_type()
    renderers = {
        "text/plain": "txt",
        "text/x-rst": "rst",
        "text/markdown": "markdown",
    }
    # Only the renderer the README needs: docutils alone takes 0.2 s to import.
    renderer: Any = importlib.import_module(
        f"readme_renderer.{renderers.get(kind, 'txt')}"
    )
    rendered = renderer.render(meta.description)
    if rendered is None:
        return [
            reject(
                built,
                f"the description failed to render for {content_type!r}",
                "fix the README's markup (twine check --strict shows where), then "
                "make dist",
            )
        ]
    return relative_links(built, rendered, str(meta.version))


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: List[Tuple[str, str]] = []  # (attribute, value)

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        for name, value in attrs:
            if (tag, name) in (("a", "href"), ("img", "src")) and value is not None:
                self.found.append(("image" if tag == "img" else "link", value))


def is_relative(url: str) -> bool:
    """A link PyPI resolves against its own pages (an in-page #anchor is fine)."""
    url = url.strip()
    return (
        bool(url)
        and not url.startswith("#")
        and not re.match(r"^[a-z][\w+.-]*:|^//", url, re.I)
    )


def release_tag(project: Project, version: str) -> str:
    """The release tag of ``version`` (``v1.2.3`` or ``1.2.3``, whichever the
    project's tag pattern reads as that version), or a placeholder."""
    for tag in (f"v{version}", version):
        found = project.tag_version(tag)
        if found is not None and str(found) == version:
            return tag
    return "<the release tag>"


def relative_links(built: Built, rendered: str, version: str = "") -> List[Problem]:
    parser = _Links()
    parser.feed(rendered)
    project: Optional[Project]
    try:
        project = load_project(ROOT)
    except ConfigError:
        project = None
    if project is not None and project.repository:
        tag = release_tag(project, version)
        base = f"https://github.com/{project.repository}/blob/{tag}/"
    else:
        base = "the repository's URL at the release's tag, "
    return [
        Problem(
            f"{built.label}: the long description has a relative {kind} {url!r}",
            "it is broken on PyPI (relative to pypi.org); make it absolute to the "
            f"repository at the release's tag ({base}{url.lstrip('./')}), then "
            "make dist",
            built.path.name,
        )
        for kind, url in parser.found
        if is_relative(url)
    ]


# -- the whole -------------------------------------------------------------------


def check_file(path: Path, release: bool = True) -> Checked[List[str]]:
    """The warnings (the value) and problems of one built file, by every rule
    above."""
    problems = check_filename(path)
    if problems:
        return Checked([], problems)
    reader = read_wheel if path.name.endswith(".whl") else read_sdist
    read = reader(path)
    built = read.value
    problems += read.problems
    warnings: List[str] = []
    if built is not None and built.kind == "wheel" and built.metadata_name:
        files = check_wheel_files(built)
        problems += files.problems
        warnings = files.value
    if built is None or built.metadata_name not in built.files:
        return Checked(warnings, problems)
    parsed = parse_metadata(built, built.files[built.metadata_name])
    meta = parsed.value
    problems += parsed.problems
    if meta is None:
        return Checked(warnings, problems)
    checked = check_metadata(built, meta, release)
    problems += checked.problems
    warnings += checked.value
    problems += check_description(built, meta)
    name_rule = check_wheel_name if built.kind == "wheel" else check_sdist_name
    problems += name_rule(built, meta)
    problems += check_license_files(built, meta)
    return Checked(warnings, problems)


@dataclass
class RulesResult:
    """What the rules found in dist/: problems, warnings, files checked."""

    problems: List[Problem] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    count: int = 0


def check_dist_dir(dist_dir: Path, release: bool = True) -> RulesResult:
    """The problems and warnings of every wheel and sdist there, and how many."""
    if not dist_dir.is_dir():
        what = f"{dist_dir} does not exist"
        return RulesResult([Problem(what, "build it with make dist", str(dist_dir))])
    found = find_dists(dist_dir)
    files = found.sdists + found.wheels
    if not files:
        what = f"{dist_dir} has no sdist or wheel to check"
        return RulesResult([Problem(what, "make dist", str(dist_dir))])
    problems: List[Problem] = []
    warnings: List[str] = []
    for path in files:
        checked = check_file(path, release)
        problems += checked.problems
        warnings += checked.value
    return RulesResult(problems, list(dict.fromkeys(warnings)), len(files))


def on_release_tag(root: Path) -> bool:
    """Whether HEAD carries a release tag (sanity's guard then checks a release)."""
    from tools.artifacts.dev_version import release_tags
    from tools.common import GitError, git

    try:
        return bool(
            release_tags(git("tag", "--points-at", "HEAD", root=root).split(), root)
        )
    except GitError:
        return False


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.artifacts.pypi_rules",
        description="PyPI's upload rules, applied to dist/ offline",
    )
    parser.add_argument("--dist-dir", type=Path, default=ROOT / DIST_DIR)
    parser.add_argument("--tag", default="", help="a release build of this tag")
    parser.add_argument("--dev", action="store_true", help="a TestPyPI dev build")
    args = parser.parse_args(argv)
    release = bool(args.tag or args.dev) or on_release_tag(ROOT)
    result = check_dist_dir(args.dist_dir, release)
    count = result.count
    notices("pypi-rules", NoticeKind.WARNING, result.warnings)
    if report(result.problems, "pypi-rules"):
        return 1
    print(
        f"pypi-rules: passed: {count} files meet PyPI's upload rules that can be "
        "checked offline"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
