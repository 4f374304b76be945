"""Vocabularies used across the API."""

from typing import Literal

Role = Literal[
    "software_engineer",
    "backend_engineer",
    "frontend_engineer",
    "data_scientist",
    "data_analyst",
    "product_manager",
    "devops_engineer",
]
ROLE_TITLES: dict[str, str] = {
    "software_engineer": "Software Engineer",
    "backend_engineer": "Backend Engineer",
    "frontend_engineer": "Frontend Engineer",
    "data_scientist": "Data Scientist",
    "data_analyst": "Data Analyst",
    "product_manager": "Product Manager",
    "devops_engineer": "DevOps / SRE Engineer",
}
Level = Literal["junior", "mid", "senior"]
InterviewType = Literal["behavioral", "technical", "mixed"]
QuestionType = Literal["behavioral", "technical", "general"]
Mode = Literal["collect", "evaluate"]
SessionState = Literal["created", "active", "completed"]
Criterion = Literal["clarity", "communication", "star_structure", "role_relevance", "technical_depth"]
Engine = Literal["offline", "bedrock"]
