"""Signals that a technical answer states something wrong.

An offline model cannot check facts in general. What this module does: it holds common misconceptions,
each paired with the correct statement, and flags a sentence of the answer when it is close to the
misconception (similarity >= ``FLAG_AT``), clearly closer to it than to the correct statement (by ``MARGIN``)
and of the same polarity (both negated or neither), so "a LEFT JOIN keeps unmatched rows" is not taken for
"a LEFT JOIN drops them".

It misses wrong claims it was not written for, and the evaluator says so in its evidence. (Flagging a
sentence that restates a key point with the opposite negation was tried and dropped: on the labeled answers
it flagged correct answers as often as wrong ones.)
"""

import re
from dataclasses import dataclass

import numpy as np

from interview.engine.semantic import similarity

FLAG_AT = 0.7
MARGIN = 0.05

# (misconception, correct statement): general knowledge of the fields the bank covers.
MISCONCEPTIONS: tuple[tuple[str, str], ...] = (
    (
        "HTTP and TCP guarantee exactly-once delivery, so retried requests can never cause duplicates.",
        "Networks deliver at least once at best, so retried requests can be processed twice unless made idempotent.",
    ),
    (
        "Adding an index always makes every query faster and has no downside.",
        "An index speeds up some reads but slows down writes and uses storage, so it has a cost.",
    ),
    (
        "NoSQL databases cannot support transactions at all.",
        "Many NoSQL databases support transactions, often with limits on scope.",
    ),
    (
        "A cache never serves stale data, so invalidation is not a concern.",
        "A cache can serve stale data, so it needs expiry or invalidation.",
    ),
    (
        "Microservices are always better than a monolith.",
        "Microservices add operational cost; a monolith is often the better start.",
    ),
    (
        "Use GET requests to change data on the server.",
        "GET requests must be safe and must not change data on the server.",
    ),
    (
        "Hashing passwords with MD5 or SHA-1 is secure enough.",
        "Passwords need a slow salted hash such as bcrypt, scrypt or Argon2, not MD5 or SHA-1.",
    ),
    ("Encryption and hashing are the same thing.", "Encryption can be reversed with a key while hashing is one-way."),
    (
        "Python threads make CPU-bound code run faster on several cores.",
        "Because of the GIL, Python threads do not speed up CPU-bound code; processes do.",
    ),
    (
        "Return a 500 status code when the user sends invalid input.",
        "Invalid input from the client gets a 4xx status such as 400 or 422, not a 500.",
    ),
    (
        "Eventual consistency means the data never becomes consistent.",
        "Eventual consistency means replicas converge to the same value after updates stop.",
    ),
    (
        "Horizontal scaling means adding more CPU and memory to one server.",
        "Horizontal scaling adds more servers; vertical scaling makes one server bigger.",
    ),
    (
        "Big O notation gives the exact running time in seconds.",
        "Big O describes how running time grows with input size, not exact seconds.",
    ),
    (
        "useEffect runs before the component renders.",
        "useEffect runs after the component renders and the browser paints.",
    ),
    (
        "Adding ARIA roles everywhere automatically makes a page accessible.",
        "Native semantic HTML comes first; ARIA only fills gaps and can make things worse when misused.",
    ),
    (
        "JavaScript runs long loops on a separate thread, so they never block the page.",
        "JavaScript runs on the main thread, so long tasks block rendering and input.",
    ),
    (
        "A p-value is the probability that the null hypothesis is true.",
        "A p-value is the probability of data at least this extreme if the null hypothesis were true.",
    ),
    (
        "Correlation proves that one variable causes the other.",
        "Correlation alone does not show causation; confounders or reverse causality may explain it.",
    ),
    (
        "Accuracy is the best metric for a highly imbalanced classification problem.",
        "With imbalanced classes, precision, recall or PR-AUC say more than accuracy.",
    ),
    (
        "Adding more features always makes a model better.",
        "More features can cause overfitting and leakage; features need validation.",
    ),
    (
        "Fit the scaler or encoder on the whole dataset before splitting into train and test.",
        "Fit preprocessing on the training split only to avoid leaking test information.",
    ),
    (
        "Stop an A/B test as soon as the result looks significant.",
        "Decide the sample size up front; peeking and stopping early inflates false positives.",
    ),
    (
        "Overfitting is fixed by training the model for longer.",
        "Overfitting is reduced with more data, regularization, simpler models or early stopping.",
    ),
    (
        "Containers are virtual machines, each with its own kernel.",
        "Containers share the host kernel and are isolated processes, unlike virtual machines.",
    ),
    (
        "Files written inside a Kubernetes pod survive when the pod is restarted.",
        "A pod's local files are lost on restart unless a persistent volume is used.",
    ),
    (
        "Terraform state can be edited by hand and shared by copying the file around.",
        "Terraform state belongs in a locked remote backend and is changed through Terraform.",
    ),
    (
        "Watching CPU usage alone tells you whether users are having a good experience.",
        "User experience is measured with latency, errors and SLOs, not CPU alone.",
    ),
    (
        "A LEFT JOIN drops the rows that have no match in the right table.",
        "A LEFT JOIN keeps every row of the left table and fills NULLs where there is no match.",
    ),
    (
        "WHERE can filter on aggregates such as COUNT after GROUP BY.",
        "Aggregates are filtered with HAVING; WHERE filters rows before grouping.",
    ),
    ("COUNT of a column counts the NULL values too.", "COUNT of a column skips NULLs; COUNT(*) counts every row."),
    (
        "The mean is always the best summary, even with heavy outliers.",
        "With outliers or skew, the median is often a better summary than the mean.",
    ),
    (
        "Build whatever the loudest customer asks for first.",
        "Prioritize by impact on goals and evidence from many users, not by who asks loudest.",
    ),
)
_NEGATION = re.compile(
    r"\b(not|never|no|none|nothing|without|cannot|can't|don't|doesn't|isn't|aren't|won't|"
    r"shouldn't|wouldn't|didn't|wasn't|weren't|neither|nor)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Flag:
    """A sentence of the answer that states a known misconception, and the correct statement."""

    sentence: str
    conflicts_with: str


def negated(text: str) -> bool:
    """Whether ``text`` contains a negation word (a claim and its negation are not the same claim)."""
    return bool(_NEGATION.search(text))


def misconceptions(units: list[str]) -> list[Flag]:
    """Sentences of the answer that state a known misconception."""
    if not units:
        return []
    wrong = similarity(units, [m for m, _ in MISCONCEPTIONS])
    right = similarity(units, [r for _, r in MISCONCEPTIONS])
    flags: list[Flag] = []
    seen: set[int] = set()
    for u, k in zip(*np.nonzero(wrong >= FLAG_AT), strict=True):
        if k in seen or wrong[u, k] - right[u, k] < MARGIN:
            continue
        if negated(units[u]) != negated(MISCONCEPTIONS[k][0]):
            continue
        seen.add(int(k))
        flags.append(Flag(units[u], MISCONCEPTIONS[k][1]))
    return flags
