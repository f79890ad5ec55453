"""Benchmark of records leaving the clinic, on the demo clinic (SQLite) built in a temporary folder.

Prints, from one run:
* FHIR resources by type for one demo patient at each stage of the pathway;
* one patient's FHIR Bundle (read, map, check with fhir.resources, audit) against a plain read of the
  same records in one unit of work (the baseline), and the Bundle without the check, for a patient at
  every stage; the actions take turns round by round, medians in ms;
* the whole demo clinic exported in bulk as NDJSON (median of rounds), and the subject-access archive
  and the PDFs for a patient with follow-up photos.

Usage: python bench/exports.py [--repeats N]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.analyze import interleaved_median_ms  # noqa: E402
from threadlift import bootstrap, demo_clinic  # noqa: E402
from threadlift.clinic.episode import State  # noqa: E402
from threadlift.config import Settings  # noqa: E402
from threadlift.interop.fhir import patient_resources  # noqa: E402
from threadlift.services import documents, exports, subject_access  # noqa: E402
from threadlift.store import migrate  # noqa: E402
from threadlift.store.tables import EpisodeRow, PhotoRow  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=f"sqlite:///{folder}/threadlift.db",
                            clinic_name="ThreadLift demo clinic", key_text=base64.b64encode(os.urandom(32)).decode())
        migrate.upgrade(settings.database_url)
        svc = bootstrap.build(settings)
        demo_clinic.build(svc)
        with svc.uow(read_only=True) as uow:
            at_stage: dict[State, list[str]] = {}
            for patient_id, state in uow.session.execute(select(EpisodeRow.patient_id, EpisodeRow.state)
                                                         .order_by(EpisodeRow.opened_at)):
                at_stage.setdefault(State(state), []).append(patient_id)
            photographed = uow.session.execute(select(PhotoRow.episode_id).where(PhotoRow.stage == "follow_up")
                                               .limit(1)).scalar_one()
        stages = [s for s in State if s in at_stage]
        print("FHIR R5 resources for one demo patient at each stage, the one whose record has the most kinds of "
              "resource (photos: the demo's sample portrait)")
        counts: dict[State, Counter[str]] = {}
        by_stage = {}
        for stage in stages:
            for patient_id in at_stage[stage]:
                with svc.uow(read_only=True) as uow:
                    record = exports.load_record(uow, patient_id).without_withdrawn_photos()
                found = Counter(r["resourceType"] for r in exports.fhir_resources(svc, record))
                if stage not in counts or (len(found), found.total()) > (len(counts[stage]), counts[stage].total()):
                    counts[stage], by_stage[stage] = found, patient_id
        kinds = sorted(set().union(*counts.values()))
        print(f"{'resource':26}" + "".join(f"{s.value[:10]:>11}" for s in stages))
        for kind in kinds:
            print(f"{kind:26}" + "".join(f"{counts[s].get(kind, 0):>11}" for s in stages))
        print(f"{'total':26}" + "".join(f"{sum(counts[s].values()):>11}" for s in stages))

        def plain_read(patient_id: str) -> object:
            with svc.uow(read_only=True) as uow:
                return exports.load_record(uow, patient_id)

        def unchecked(patient_id: str) -> object:
            record = plain_read(patient_id).without_withdrawn_photos()  # type: ignore[attr-defined]
            files = exports.photo_files(svc, record.photos)
            return patient_resources(record, exports.clinic_info(svc), photo_bytes=files,
                                     measurement_areas=exports.MEASUREMENT_AREAS)

        print(f"\nOne patient, median of {args.repeats} rounds (ms): plain read of the records (baseline) | "
              "FHIR resources unchecked | the Bundle as served (checked, audited)")
        rows = []
        for stage in stages:
            patient_id = by_stage[stage]
            timed = interleaved_median_ms({
                "read": lambda p=patient_id: plain_read(p),
                "map": lambda p=patient_id: unchecked(p),
                "bundle": lambda p=patient_id: exports.fhir_bundle(svc, None, p)}, args.repeats)
            rows.append(timed)
            print(f"{stage.value:14} {timed['read']:8.1f} {timed['map']:8.1f} {timed['bundle']:8.1f}"
                  f"   bundle/read {timed['bundle'] / timed['read']:5.1f}x")
        print(f"{'median':14} " + " ".join(f"{statistics.median(r[k] for r in rows):8.1f}"
                                           for k in ("read", "map", "bundle")))

        bulk_times, read_times = [], []
        with svc.uow(read_only=True) as uow:
            every = list(uow.session.execute(select(EpisodeRow.patient_id).distinct()).scalars())
        for round_ in range(max(3, args.repeats // 3)):
            start = time.perf_counter()
            for patient_id in every:
                plain_read(patient_id)
            read_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = exports.fhir_bulk(svc, None, Path(folder) / f"bulk-{round_}")
            bulk_times.append(time.perf_counter() - start)
        print(f"\nWhole demo clinic ({result.patients} patients, {sum(result.files.values())} resources in "
              f"{len(result.files)} NDJSON files): bulk export {statistics.median(bulk_times) * 1000:.0f} ms, "
              f"plain read of every patient's records {statistics.median(read_times) * 1000:.0f} ms (median of "
              f"{len(bulk_times)} rounds)")

        episode_id = photographed
        start = time.perf_counter()
        documents.document(svc, None, episode_id, "outcome")  # first: analyses and comparison not cached
        cold = time.perf_counter() - start
        pdfs = interleaved_median_ms({kind: (lambda k=kind: documents.document(svc, None, episode_id, k))
                                      for kind in ("consent", "aftercare", "outcome")}, max(3, args.repeats // 3))
        with svc.uow(read_only=True) as uow:
            patient = uow.episodes.get(episode_id).patient_id
        archive = interleaved_median_ms({"archive": lambda: subject_access.archive(svc, None, patient)}, 3)
        print(f"\nPDFs (median ms): consent {pdfs['consent']:.0f}, aftercare {pdfs['aftercare']:.0f}, outcome "
              f"{pdfs['outcome']:.0f} with the comparison cached ({cold * 1000:.0f} ms the first time, which "
              f"analyses and compares the photos); subject-access archive {archive['archive']:.0f} ms")


if __name__ == "__main__":
    main()
