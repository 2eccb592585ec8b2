"""Compare a built index with the corpus folder as it is now, to tell when a rebuild is due."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from index.corpus.corpus_files import corpus_paths
from index.storage.store import Manifest


@dataclass(frozen=True)
class Freshness:
    added: tuple[str, ...]  # document ids in the corpus but not in the index
    changed: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def fresh(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def describe(self) -> str:
        if self.fresh:
            return "fresh: the index matches the corpus"
        parts = [
            f"{label}: {', '.join(ids)}"
            for label, ids in (("added", self.added), ("changed", self.changed), ("removed", self.removed))
            if ids
        ]
        return "stale: corpus changed since the build (" + "; ".join(parts) + ")"


def check_freshness(manifest: Manifest, corpus_dir: Path) -> Freshness:
    indexed = {record.id: record.sha256 for record in manifest.documents}
    current = {path.stem: hashlib.sha256(path.read_bytes()).hexdigest() for path in corpus_paths(corpus_dir)}
    return Freshness(
        added=tuple(sorted(current.keys() - indexed.keys())),
        changed=tuple(sorted(doc for doc in current.keys() & indexed.keys() if current[doc] != indexed[doc])),
        removed=tuple(sorted(indexed.keys() - current.keys())),
    )
