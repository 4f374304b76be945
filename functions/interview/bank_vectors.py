"""Embed the question bank's texts when the package is built, so that no container embeds them on first use.

A build step, like ``encoder_export.py`` and after it: ``make`` runs it for the local stack and the tests, and the
interview function's Makefile for ``sam build``. It reads every question's text, key points and key point
examples from ``interview/data/questions/*.yaml`` (what answers are compared with; a question's own misconceptions
are only shown in feedback), plus the evaluator's general misconceptions, embeds
them with the built int8 encoder and writes ``bank_vectors.npz`` beside it (texts and float32 vectors), which
:func:`interview.engine.semantic.embed` consults before encoding. A text missing from the file (the bank edited
since) is simply embedded when first needed.

    python functions/interview/bank_vectors.py [--into DIR]   (default: interview/models/minilm-l6-int8)
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interview.engine.correctness import MISCONCEPTIONS  # noqa: E402
from interview.engine.semantic import BANK_VECTORS, DEFAULT_MODEL_DIR, Encoder  # noqa: E402

QUESTIONS_DIR = HERE / "interview" / "data" / "questions"


def bank_texts(directory: Path = QUESTIONS_DIR) -> list[str]:
    """Every text of the bank the evaluator compares answers with, once each."""
    texts = [text for pair in MISCONCEPTIONS for text in pair]
    for path in sorted(directory.glob("*.yaml")):
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            texts += [question["text"], *question["key_points"]]
            texts += [example for group in question.get("key_point_examples", []) for example in group]
    return list(dict.fromkeys(texts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, default=DEFAULT_MODEL_DIR, help="the built encoder's directory")
    into = parser.parse_args().into
    texts = bank_texts()
    vectors = Encoder(into).encode(texts)
    np.savez(into / BANK_VECTORS, texts=np.array(texts), vectors=vectors)
    print(f"{len(texts)} bank texts embedded into {into / BANK_VECTORS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
