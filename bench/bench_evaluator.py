"""Does the offline evaluator order answers like a careful human grader?

For every pair of answers to the same question whose human grades differ by at least 2, the evaluator
agrees when its overall score orders them the same way (a tie counts as a disagreement). The same is
computed for a naive baseline (share of key-point words present, plus a little credit for length).
Questions are split into a tuning part and a held-out part (every third question id, sorted), so a
change tuned on one part can be checked on the other.

Candidates also ask their own questions, often a bank question in other words. ``user_questions.yaml`` holds 110
such questions labelled with the bank question each asks (or none); the benchmark counts how often the matcher
finds it, and orders the labelled answers again as answers to the two rewordings of their question, graded with
the matched rubric (what the interview function does) and with generic key points only (what it did before).

Run: .venv/bin/python bench/bench_evaluator.py   (writes bench/results/evaluator.json)
"""

import json
import statistics
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT / "functions" / "interview")]

import yaml  # noqa: E402

from interview.engine.bank import QuestionBank, load_bank, with_examples  # noqa: E402
from interview.engine.evaluator import evaluate  # noqa: E402
from interview.engine.own_questions import custom_question, own_questions  # noqa: E402
from interview.engine.text import STOPWORDS, words  # noqa: E402

DATA = ROOT / "bench" / "data" / "labelled_answers.yaml"
USER_QUESTIONS = ROOT / "bench" / "data" / "user_questions.yaml"
RESULTS = ROOT / "bench" / "results" / "evaluator.json"
MIN_GRADE_GAP = 2


def baseline(key_points: list[str], answer: str) -> float:
    """Naive score: the share of key-point words that appear in the answer, plus credit for length."""
    expected = {w for point in key_points for w in words(point) if w not in STOPWORDS and len(w) > 2}
    present = set(words(answer))
    overlap = len(expected & present) / max(1, len(expected))
    return 7.0 * overlap + 3.0 * min(1.0, len(words(answer)) / 150.0)


def pairwise(items: list[dict], key: str, grade: str = "grade") -> tuple[int, int]:
    """(agreeing pairs, pairs) over answers to the same question with grades (``grade``) at least 2 apart."""
    by_question: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_question[item["question_id"]].append(item)
    agree = total = 0
    for answers in by_question.values():
        for a, b in combinations(answers, 2):
            if abs(a[grade] - b[grade]) < MIN_GRADE_GAP:
                continue
            total += 1
            high, low = (a, b) if a[grade] > b[grade] else (b, a)
            agree += high[key] > low[key]
    return agree, total


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman rank correlation (Pearson correlation of average ranks)."""
    return statistics.correlation(_ranks(x), _ranks(y))


def key_point_agreement(items: list[dict], covered_key: str = "key_points_covered") -> dict[str, float]:
    """How the evaluator's "covered" (or the second grader's judgements) compares with the grader's key_points_made,
    over every (answer, key point)."""
    made = [m for i in items for m in i["key_points_made"]]
    covered = [c for i in items for c in i[covered_key]]
    both = sum(m and c for m, c in zip(made, covered, strict=True))
    return {
        "key_points": len(made),
        "accuracy": round(sum(m == c for m, c in zip(made, covered, strict=True)) / max(1, len(made)), 3),
        "precision": round(both / max(1, sum(covered)), 3),
        "recall": round(both / max(1, sum(made)), 3),
    }


def _split(question_ids: list[str]) -> tuple[set[str], set[str]]:
    ordered = sorted(set(question_ids))
    held_out = {q for i, q in enumerate(ordered) if i % 3 == 2}
    return set(ordered) - held_out, held_out


def _ratio(pair: tuple[int, int]) -> float:
    return round(pair[0] / pair[1], 3) if pair[1] else 0.0


def own_questions_result(bank: QuestionBank, answers: list[dict]) -> dict:
    """How the candidate's own questions are matched to the bank, and how the labelled answers are ordered when
    their question is asked in a candidate's words."""
    asked = yaml.safe_load(USER_QUESTIONS.read_text(encoding="utf-8"))["questions"]
    owns = own_questions([q["text"] for q in asked], bank)
    matching: dict[str, dict[str, int]] = defaultdict(lambda: {"questions": 0, "right": 0, "wrong": 0})
    scored: dict[str, list[dict]] = {"matched": [], "generic": []}
    for q, own in zip(asked, owns, strict=True):
        twin = own.question.rubric_from
        counts = matching[q["kind"]]
        counts["questions"] += 1
        counts["right"] += twin is not None and twin == q["same_as"]
        counts["wrong"] += twin is not None and twin != q["same_as"]
        graded = [a for a in answers if a["question_id"] == q["same_as"]]
        rubrics = {"matched": with_examples(own.question), "generic": custom_question(q["text"], 0, bank.topics())}
        for answer in graded:
            for name, question in rubrics.items():
                evaluation = evaluate(question, answer["text"], role="software_engineer", level="mid")
                scored[name].append({"question_id": q["text"], "grade": answer["grade"], "score": evaluation.overall})
    return {
        "matching": dict(matching),
        "reworded_questions": len({i["question_id"] for i in scored["matched"]}),
        "answers": len(scored["matched"]),
        **{
            f"{name}_{measure}": value
            for name, items in scored.items()
            for measure, value in (
                ("pairwise_agreement", _ratio(pairwise(items, "score"))),
                ("spearman", round(spearman([i["grade"] for i in items], [i["score"] for i in items]), 3)),
            )
        },
        "pairs": pairwise(scored["matched"], "score")[1],
    }


def main() -> int:
    bank = load_bank()
    answers = yaml.safe_load(DATA.read_text(encoding="utf-8"))["answers"]
    started = time.perf_counter()
    items = []
    for answer in answers:
        question = bank.get(answer["question_id"])
        if question is None:
            print(f"unknown question id {answer['question_id']} (answer {answer['id']})", file=sys.stderr)
            return 1
        evaluation = evaluate(question, answer["text"], role=question.roles[0], level=question.levels[0])
        items.append(
            {
                "id": answer["id"],
                "question_id": answer["question_id"],
                "category": answer["category"],
                "grade": answer["grade"],
                "score": evaluation.overall,
                "key_points_made": answer["key_points_made"],
                "second_grade": answer["second_grade"],
                "second_key_points_made": answer["second_key_points_made"],
                "key_points_covered": [k.covered for k in evaluation.key_points],
                "baseline": round(baseline(question.key_points, answer["text"]), 2),
            }
        )
    seconds = time.perf_counter() - started
    tuning, held_out = _split([i["question_id"] for i in items])
    part = {
        "tuning": [i for i in items if i["question_id"] in tuning],
        "held_out": [i for i in items if i["question_id"] in held_out],
    }
    categories: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        categories[item["category"]].append(item)
    result = {
        "answers": len(items),
        "questions": len(tuning | held_out),
        "pairwise_agreement": _ratio(pairwise(items, "score")),
        "pairs": pairwise(items, "score")[1],
        "pairwise_agreement_tuning": _ratio(pairwise(part["tuning"], "score")),
        "pairwise_agreement_held_out": _ratio(pairwise(part["held_out"], "score")),
        "held_out_questions": sorted(held_out),
        "baseline_pairwise_agreement": _ratio(pairwise(items, "baseline")),
        "spearman": round(spearman([i["grade"] for i in items], [i["score"] for i in items]), 3),
        "baseline_spearman": round(spearman([i["grade"] for i in items], [i["baseline"] for i in items]), 3),
        "key_points": key_point_agreement(items),
        "key_points_held_out": key_point_agreement(part["held_out"]),
        "second_grader": {
            "pairwise_agreement": _ratio(pairwise(items, "second_grade")),
            "spearman": round(spearman([i["grade"] for i in items], [i["second_grade"] for i in items]), 3),
            "key_points": key_point_agreement(items, "second_key_points_made"),
            "evaluator_pairwise_agreement": _ratio(pairwise(items, "score", grade="second_grade")),
            "evaluator_spearman": round(spearman([i["second_grade"] for i in items], [i["score"] for i in items]), 3),
        },
        "category_means": {
            name: {
                "grade": round(statistics.mean(i["grade"] for i in group), 2),
                "score": round(statistics.mean(i["score"] for i in group), 2),
                "baseline": round(statistics.mean(i["baseline"] for i in group), 2),
                "n": len(group),
            }
            for name, group in sorted(categories.items())
        },
        "seconds_per_answer": round(seconds / max(1, len(items)), 3),
        "own_questions": own_questions_result(bank, answers),
        "items": items,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"answers {result['answers']}, questions {result['questions']}, pairs {result['pairs']}")
    print(
        f"pairwise agreement  evaluator {result['pairwise_agreement']:.3f}  "
        f"(tuning {result['pairwise_agreement_tuning']:.3f}, held out {result['pairwise_agreement_held_out']:.3f})  "
        f"baseline {result['baseline_pairwise_agreement']:.3f}"
    )
    print(f"spearman            evaluator {result['spearman']:.3f}  baseline {result['baseline_spearman']:.3f}")
    kp, kp_held = result["key_points"], result["key_points_held_out"]
    print(
        f"key points covered  accuracy {kp['accuracy']:.3f} (held out {kp_held['accuracy']:.3f}), "
        f"precision {kp['precision']:.3f}, recall {kp['recall']:.3f} over {kp['key_points']} (answer, key point) pairs"
    )
    second = result["second_grader"]
    print(
        f"a second grader     pairwise {second['pairwise_agreement']:.3f}, spearman {second['spearman']:.3f}, "
        f"key points {second['key_points']['accuracy']:.3f}; the evaluator against the second grades: pairwise "
        f"{second['evaluator_pairwise_agreement']:.3f}, spearman {second['evaluator_spearman']:.3f}"
    )
    print(f"{'category':20} {'n':>3} {'grade':>6} {'score':>6} {'baseline':>8}")
    for name, means in result["category_means"].items():
        print(f"{name:20} {means['n']:>3} {means['grade']:>6.2f} {means['score']:>6.2f} {means['baseline']:>8.2f}")
    print(f"{result['seconds_per_answer'] * 1000:.0f} ms per answer (model load included)")
    own = result["own_questions"]
    print(
        "own questions: bank question found (right / wrong) for "
        + ", ".join(f"{m['questions']} {kind}: {m['right']} / {m['wrong']}" for kind, m in own["matching"].items())
    )
    print(
        f"  the labelled answers to {own['reworded_questions']} reworded questions ({own['pairs']} pairs): pairwise "
        f"{own['matched_pairwise_agreement']:.3f}, Spearman {own['matched_spearman']:.3f}; with generic key points "
        f"only {own['generic_pairwise_agreement']:.3f}, {own['generic_spearman']:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
