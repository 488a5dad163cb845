"""An experiment's results folder: finished chunks stream to ``parts/`` as they finish (so a
stopped run keeps them and memory stays bounded), and the final files are assembled from
the parts in a fixed order, so they are the same whatever order the chunks finished in."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io import write_atomic, write_csv, write_json

PARTS = "parts"
ROW_GROUP_ROWS = 65_536  # rows per parquet row group in timeseries.parquet
OUTPUTS = (
    "replications.parquet",
    "replications.csv",
    "timeseries.parquet",
    "scenarios.csv",
    "manifest.json",
    "failures.csv",
    "councils.csv",
)
COUNCILS = "councils"  # a run by councils: one results folder per council in here


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


class ResultsFolder:
    """Paths and atomic writes for one experiment's output folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.parts = self.root / PARTS

    # -- lifecycle ------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self.root.exists() or not any(self.root.iterdir())

    def clear(self) -> None:
        """Remove what an earlier run of csc-sim wrote here (nothing else)."""
        shutil.rmtree(self.parts, ignore_errors=True)
        shutil.rmtree(self.root / COUNCILS, ignore_errors=True)
        for name in OUTPUTS:
            (self.root / name).unlink(missing_ok=True)

    def read_manifest(self) -> dict[str, Any] | None:
        path = self.root / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.root / "manifest.json", manifest)

    # -- parts ----------------------------------------------------------------------------
    @staticmethod
    def part_name(scenario_index: int, start: int, stop: int) -> str:
        return f"{scenario_index:03d}-{start:07d}-{stop:07d}"

    def has_part(self, name: str) -> bool:
        """A chunk is done when its rows are written (last) and none of it failed."""
        rows = self.parts / f"{name}.rows.parquet"
        return rows.exists() and not self.failures_path(name).exists()

    def failures_path(self, name: str) -> Path:
        return self.parts / f"{name}.failures.json"

    def write_part(
        self, name: str, rows: pd.DataFrame, series: pd.DataFrame, failures: list[dict[str, Any]]
    ) -> None:
        """Write a finished chunk; a chunk with failures keeps what finished and is rerun
        whole by ``--resume``."""
        if failures:
            write_json(self.failures_path(name), failures)
        else:
            self.failures_path(name).unlink(missing_ok=True)
        blob = parquet_bytes(series)
        write_atomic(self.parts / f"{name}.series.parquet", lambda fh: fh.write(blob))
        blob = parquet_bytes(rows)
        write_atomic(self.parts / f"{name}.rows.parquet", lambda fh: fh.write(blob))

    def read_failures(self, names: Iterable[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for n in names:
            path = self.failures_path(n)
            if path.exists():
                out.extend(json.loads(path.read_text()))
        return out

    def read_rows(self, names: Iterable[str]) -> pd.DataFrame:
        frames = [pd.read_parquet(self.parts / f"{n}.rows.parquet") for n in names]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    # -- final files ----------------------------------------------------------------------
    def write_replications(self, reps: pd.DataFrame) -> None:
        blob = parquet_bytes(reps)
        write_atomic(self.root / "replications.parquet", lambda fh: fh.write(blob))
        write_csv(self.root / "replications.csv", reps)

    def write_scenarios(self, table: pd.DataFrame) -> None:
        write_csv(self.root / "scenarios.csv", table)

    def write_timeseries(self, names: Iterable[str]) -> None:
        """Concatenate the parts' monthly series into one parquet file, a few parts in
        memory at a time. Row groups have a fixed size, so the file's bytes do not depend
        on how the replications were chunked into tasks."""

        def write(fh: Any) -> None:
            writer, schema, buffer, held = None, None, [], 0
            for n in names:
                table = pq.read_table(self.parts / f"{n}.series.parquet")
                if writer is None:
                    schema = table.schema.remove_metadata()
                    writer = pq.ParquetWriter(fh, schema)
                buffer.append(table.cast(schema))
                held += table.num_rows
                if held >= ROW_GROUP_ROWS:
                    whole = pa.concat_tables(buffer)
                    cut = (held // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
                    writer.write_table(whole.slice(0, cut), row_group_size=ROW_GROUP_ROWS)
                    buffer, held = [whole.slice(cut)], held - cut
            if writer is not None:
                if held:
                    writer.write_table(pa.concat_tables(buffer), row_group_size=ROW_GROUP_ROWS)
                writer.close()

        write_atomic(self.root / "timeseries.parquet", write)
