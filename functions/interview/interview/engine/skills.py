"""Skills and technologies named in free text (a job description, a resume, an answer).

Matching is on word boundaries against a vocabulary (the bank's topics) plus a table of synonyms, so
"k8s" finds kubernetes and "JS" finds javascript, while "java" is not found inside "javascript" and
"go" is found only as the language ("Go", "Golang"), not in "go to".
"""

import re
from collections.abc import Iterable
from functools import lru_cache

# Alias (lower case) -> canonical topic. Canonical topics are the bank's lower-case topic names.
SYNONYMS: dict[str, str] = {
    "k8s": "kubernetes",
    "kube": "kubernetes",
    "eks": "kubernetes",
    "gke": "kubernetes",
    "aks": "kubernetes",
    "helm": "kubernetes",
    "postgres": "postgresql",
    "psql": "postgresql",
    "js": "javascript",
    "ecmascript": "javascript",
    "es6": "javascript",
    "ts": "typescript",
    "hcl": "terraform",
    "reactjs": "react",
    "react.js": "react",
    "nodejs": "node.js",
    "golang": "go",
    "ml": "machine learning",
    "deep learning": "machine learning",
    "ab testing": "a/b testing",
    "a/b tests": "a/b testing",
    "a/b test": "a/b testing",
    "split testing": "a/b testing",
    "experimentation": "a/b testing",
    "ci": "ci/cd",
    "cd": "ci/cd",
    "continuous integration": "ci/cd",
    "continuous delivery": "ci/cd",
    "continuous deployment": "ci/cd",
    "github actions": "ci/cd",
    "gitlab ci": "ci/cd",
    "jenkins": "ci/cd",
    "amazon web services": "aws",
    "ec2": "aws",
    "s3": "aws",
    "google cloud": "gcp",
    "rest api": "rest",
    "restful": "rest",
    "rest apis": "rest",
    "mongo": "mongodb",
    "k-means": "clustering",
    "sklearn": "scikit-learn",
    "scikit": "scikit-learn",
    "tableau": "dashboards",
    "power bi": "dashboards",
    "looker": "dashboards",
    "grafana": "observability",
    "opentelemetry": "observability",
    "otel": "observability",
    "mysql": "sql",
    "t-sql": "sql",
    "pyspark": "spark",
    "apache spark": "spark",
    "apache kafka": "kafka",
    "css3": "css",
    "html5": "html",
    "a11y": "accessibility",
    "wcag": "accessibility",
}
# Topics that are also ordinary English words: found only with this exact capitalization.
CASE_SENSITIVE: dict[str, tuple[str, ...]] = {
    "go": ("Go", "Golang", "golang"),
    "r": ("R",),
    "rest": ("REST", "RESTful"),
    "spark": ("Spark", "PySpark"),
    "excel": ("Excel",),
    "swift": ("Swift",),
    "rust": ("Rust",),
    "ci/cd": ("CI/CD", "ci/cd", "CI", "CD", "CI-CD", "CICD"),
    "react": ("React", "react.js", "React.js", "ReactJS", "reactjs"),
    "node.js": ("Node.js", "node.js", "NodeJS", "nodejs"),
}
DISPLAY: dict[str, str] = {
    "kubernetes": "Kubernetes",
    "terraform": "Terraform",
    "postgresql": "PostgreSQL",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "python": "Python",
    "java": "Java",
    "go": "Go",
    "react": "React",
    "sql": "SQL",
    "aws": "AWS",
    "gcp": "GCP",
    "azure": "Azure",
    "docker": "Docker",
    "ci/cd": "CI/CD",
    "redis": "Redis",
    "kafka": "Kafka",
    "graphql": "GraphQL",
    "rest": "REST",
    "node.js": "Node.js",
    "css": "CSS",
    "html": "HTML",
    "spark": "Spark",
    "pandas": "pandas",
    "airflow": "Airflow",
    "mongodb": "MongoDB",
    "a/b testing": "A/B testing",
    "elasticsearch": "Elasticsearch",
    "prometheus": "Prometheus",
    "scikit-learn": "scikit-learn",
    "excel": "Excel",
    "r": "R",
    "rust": "Rust",
    "swift": "Swift",
    "linux": "Linux",
    "grpc": "gRPC",
    "dbt": "dbt",
    "nosql": "NoSQL",
    "sre": "SRE",
    "slo": "SLOs",
    "etl": "ETL",
    "api design": "API design",
    "oauth": "OAuth",
    "http": "HTTP",
    "tcp": "TCP",
    "dns": "DNS",
    "cdn": "CDN",
    "webpack": "webpack",
    "vue": "Vue",
    "angular": "Angular",
}
_EDGE_BEFORE = r"(?<![\w+#./-])"
_EDGE_AFTER = r"(?:e?s)?(?![\w+#/-])(?!\.\w)"


def display(topic: str) -> str:
    """How a topic is written for a person ("postgresql" -> "PostgreSQL")."""
    return DISPLAY.get(topic, topic)


def join_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@lru_cache(maxsize=64)
def _patterns(vocabulary: frozenset[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One compiled pattern per canonical topic covering the topic and its aliases."""
    aliases: dict[str, set[str]] = {topic: {topic} for topic in vocabulary}
    for alias, topic in SYNONYMS.items():
        if topic in aliases:
            aliases[topic].add(alias)
    compiled = []
    for topic in sorted(aliases):
        loose = sorted(
            (a for a in aliases[topic] if a not in CASE_SENSITIVE and a not in _sensitive_aliases()),
            key=len,
            reverse=True,
        )
        exact = sorted(CASE_SENSITIVE.get(topic, ()), key=len, reverse=True)
        parts = []
        if loose:
            parts.append("(?i:" + "|".join(_phrase(a) for a in loose) + ")")
        if exact:
            parts.append("|".join(_phrase(a) for a in exact))
        if parts:
            compiled.append((topic, re.compile(_EDGE_BEFORE + "(?:" + "|".join(parts) + ")" + _EDGE_AFTER)))
    return tuple(compiled)


@lru_cache(maxsize=1)
def _sensitive_aliases() -> frozenset[str]:
    """Lower-case forms that must never match loosely (they are ordinary words)."""
    return frozenset(alias.lower() for forms in CASE_SENSITIVE.values() for alias in forms) | frozenset(CASE_SENSITIVE)


def _phrase(alias: str) -> str:
    return r"\s+".join(re.escape(part) for part in alias.split())


def find_topics(text: str | None, vocabulary: Iterable[str]) -> dict[str, int]:
    """Canonical topics of ``vocabulary`` named in ``text``, with how often each is named."""
    if not text:
        return {}
    found: dict[str, int] = {}
    for topic, pattern in _patterns(frozenset(vocabulary)):
        count = len(pattern.findall(text))
        if count:
            found[topic] = count
    return found
