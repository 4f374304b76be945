"""Vocabularies used across the API, and the clean-up every free text gets."""

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

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
# The two-letter codes of the languages Whisper transcribes ("jw" is its code for Javanese).
_WHISPER_CODES = (
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha he hi hr ht hu hy id is "
    "it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa sd si "
    "sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo zh"
)
SPEECH_LANGUAGES = frozenset(_WHISPER_CODES.split())
# English names of the languages candidates most often speak, for messages; others are named by their code.
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic", "bn": "Bengali", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "ms": "Malay",
    "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sv": "Swedish", "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def clean_text(value: str) -> str:
    """``value`` without control characters (NUL and the like; line breaks and tabs kept) or surrounding spaces."""
    return "".join(c for c in value if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


_MEDIA_ALIASES = {
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
}


def media_type(value: Any) -> Any:
    """A content type as the API compares it: lower case and without parameters, which clients add (Safari's
    MediaRecorder reports ``audio/mp4;codecs=mp4a.40.2``); the other names of MP4 and WAV audio are taken as theirs."""
    if not isinstance(value, str):
        return value
    bare = value.split(";", 1)[0].strip().lower()
    return _MEDIA_ALIASES.get(bare, bare)


# A content type given by a client: compared without its parameters (``media_type``).
MediaType = Annotated[str, BeforeValidator(media_type)]
