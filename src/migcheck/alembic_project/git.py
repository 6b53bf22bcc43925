"""The one home of migcheck's git calls: resolve a ref safely, list changed files, read old files.

A ref comes from the command line (``--changed-since``). It is resolved once, with
``git rev-parse --verify --end-of-options REF^{commit}``, to a full commit id; every later call
passes that id, never the user's text, and puts ``--`` before paths. So a ref such as
``--output=FILE`` can never reach git as an option. Every failure is a
:class:`~migcheck.errors.MigcheckError` naming the option and the ref.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from migcheck.errors import MigcheckError

_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


class Git:
    """git commands in the repository that holds ``root``, for the option named ``option``."""

    def __init__(self, root: Path, option: str = "--changed-since") -> None:
        self.root = root
        self.option = option

    def _run(self, args: list[str], ref: str, stdin: bytes | None = None) -> bytes:
        environment = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.root,
                input=stdin,
                capture_output=True,
                check=True,
                env=environment,
            )
        except OSError as error:
            raise MigcheckError(f"{self.option} {ref}: cannot run git: {error}") from None
        except subprocess.CalledProcessError as error:
            lines = error.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exit status {error.returncode}"
            raise MigcheckError(f"{self.option} {ref}: git failed: {detail}") from None
        return done.stdout

    def toplevel(self, ref: str) -> Path:
        """The top directory of the work tree."""
        return Path(self._run(["rev-parse", "--show-toplevel"], ref).decode().strip())

    def resolve(self, ref: str) -> str:
        """The full id of the commit ``ref`` names; MigcheckError when it names none."""
        if not ref or ref.startswith("-") or "\n" in ref or "\0" in ref:
            raise MigcheckError(f"{self.option} {ref!r}: not a git revision")
        try:
            out = self._run(
                ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], ref
            )
        except MigcheckError:
            raise MigcheckError(f"{self.option} {ref}: no such commit in {self.root}") from None
        commit = out.decode().strip()
        if not _COMMIT.match(commit):
            raise MigcheckError(f"{self.option} {ref}: no such commit in {self.root}")
        return commit

    def changed_files(self, ref: str) -> set[str]:
        """Real paths of files under ``root`` that differ from ``ref`` or are untracked."""
        commit = self.resolve(ref)
        top = self.toplevel(ref)
        diff = self._run(["diff", "--name-only", "-z", "--no-renames", commit, "--", "."], ref)
        untracked = self._run(["ls-files", "-z", "--others", "--exclude-standard", "--", "."], ref)
        changed = {os.path.realpath(top / name) for name in _names(diff)}
        changed |= {os.path.realpath(self.root / name) for name in _names(untracked)}
        return changed

    def files_at(self, ref: str, commit: str, directories: Iterable[Path]) -> dict[str, bytes]:
        """The content of every file under ``directories`` at ``commit``, by real path."""
        top = self.toplevel(ref)
        inside = []
        for directory in directories:
            relative = os.path.relpath(os.path.realpath(directory), os.path.realpath(top))
            if not relative.startswith(".."):
                inside.append(relative)
        if not inside:
            return {}
        listing = self._run(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *inside], ref)
        objects: list[tuple[str, str]] = []
        for entry in _names(listing):
            meta, _, name = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                objects.append((parts[2], name))
        if not objects:
            return {}
        batch = self._run(
            ["cat-file", "--batch"], ref, stdin="".join(f"{oid}\n" for oid, _ in objects).encode()
        )
        files: dict[str, bytes] = {}
        position = 0
        for _, name in objects:
            end = batch.index(b"\n", position)
            size = int(batch[position:end].split()[2])
            files[os.path.realpath(top / name)] = batch[end + 1 : end + 1 + size]
            position = end + 1 + size + 1
        return files


def _names(output: bytes) -> list[str]:
    return [name for name in output.decode("utf-8", "surrogateescape").split("\0") if name]
