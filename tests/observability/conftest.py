"""Fixtures of the observability tests: a local stack whose functions' output is captured, and Powertools'
in-process output pointed at pytest's capture."""

from collections.abc import Iterator

import pytest
from observability_helpers import CapturedStack, CurrentStdout


@pytest.fixture(scope="module")
def captured_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CapturedStack]:
    with CapturedStack(tmp_path_factory.mktemp("stack") / "output.log") as stack:
        yield stack


@pytest.fixture
def powertools_output(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """capsys, with Powertools' log handler writing to the captured stdout (it keeps the stdout of import time).

    EMF metrics are printed at flush time and need nothing more.
    """
    from practice_shared.observability import logger

    handler = logger.registered_handler
    previous = handler.stream  # type: ignore[attr-defined]
    handler.stream = CurrentStdout()  # type: ignore[attr-defined]
    yield capsys
    handler.stream = previous  # type: ignore[attr-defined]
