"""The GX file project under expectations/: open it, or rebuild it from the suites module.

The project keeps only committed objects: suites, validation definitions, checkpoints and a
pandas data source with one dataframe asset per table. Validation results live in memory and
the gate writes them to settings.quality_dir, so a run writes nothing under expectations/.

Rebuild after changing suites.py or tables.py, then commit the changed files::

    python -m northstar.quality.project
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from northstar.quality import tables as t

log = logging.getLogger(__name__)

# GX keeps its project in a `gx` folder under the project root.
GX_DIR_NAME = "gx"

# Stores relative to expectations/gx. Analytics stay off, no data docs are built, and
# validation results are kept in memory because the gate writes its own results file.
PROJECT_CONFIG = """\
config_version: 4.0
analytics_enabled: false
progress_bars:
  globally: false
stores:
  expectations_store:
    class_name: ExpectationsStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      suppress_store_backend_id: true
      base_directory: expectations/
  validation_results_store:
    class_name: ValidationResultsStore
    store_backend:
      class_name: InMemoryStoreBackend
  checkpoint_store:
    class_name: CheckpointStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      suppress_store_backend_id: true
      base_directory: checkpoints/
  validation_definition_store:
    class_name: ValidationDefinitionStore
    store_backend:
      class_name: TupleFilesystemStoreBackend
      suppress_store_backend_id: true
      base_directory: validation_definitions/
expectations_store_name: expectations_store
validation_results_store_name: validation_results_store
checkpoint_store_name: checkpoint_store
data_docs_sites: {}
"""


def open_context(project_root: Path) -> Any:
    """Open the GX file data context saved under ``project_root``."""
    import great_expectations as gx

    config_file = project_root / GX_DIR_NAME / "great_expectations.yml"
    if not config_file.is_file():
        raise FileNotFoundError(
            f"GX project config {config_file} is missing; rebuild the project with "
            "`python -m northstar.quality.project`"
        )
    return gx.get_context(mode="file", project_root_dir=str(project_root))


def build_project(project_root: Path) -> None:
    """Write the GX project under ``project_root``, replacing any earlier saved objects."""
    import great_expectations as gx

    from northstar.quality.suites import build_expectations

    gx_dir = project_root / GX_DIR_NAME
    if gx_dir.exists():
        shutil.rmtree(gx_dir)
    gx_dir.mkdir(parents=True)
    (gx_dir / "great_expectations.yml").write_text(PROJECT_CONFIG, encoding="utf-8")

    context = gx.get_context(mode="file", project_root_dir=str(project_root))
    data_source = context.data_sources.add_pandas(t.DATA_SOURCE_NAME)
    expectations = build_expectations()
    for spec in t.ALL_TABLES:
        asset = data_source.add_dataframe_asset(spec.name)
        batch_definition = asset.add_batch_definition_whole_dataframe(t.BATCH_DEFINITION_NAME)

        suite = context.suites.add(gx.ExpectationSuite(name=spec.name))
        for expectation in expectations[spec.name]:
            suite.add_expectation(expectation)

        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=spec.name,
                validation_definitions=[validation],
                actions=[],
                result_format=_result_format(spec),
            )
        )
        log.info("Saved GX suite %s with %d expectations", spec.name, len(suite.expectations))


def _result_format(spec: t.TableSpec) -> dict[str, Any]:
    # SUMMARY lists a few unexpected rows; the key columns name them in the results.
    return {
        "result_format": "SUMMARY",
        "partial_unexpected_count": t.PARTIAL_UNEXPECTED_COUNT,
        "unexpected_index_column_names": list(spec.key),
    }


def main() -> None:
    from northstar.settings import apply_privacy_env, get_settings

    apply_privacy_env()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    build_project(get_settings().expectations_dir)


if __name__ == "__main__":
    main()
