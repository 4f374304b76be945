"""Settings read from the environment, with the names the SAM template sets."""

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of every function; each name is the environment variable in upper case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    stage: str = "dev"
    table_name: str = "interview-practice"
    idempotency_table_name: str = "interview-practice-idempotency"
    audio_bucket: str = "interview-practice-audio"

    interview_function_name: str = "interview"
    voice_function_name: str = "voice"

    session_ttl: int = Field(3600, ge=60, description="Seconds an unfinished session lives after its last activity")
    history_retention_days: int = Field(365, ge=1, description="Days a completed session and its report are kept")
    audio_retention_days: int = Field(30, ge=1, description="Days uploaded and synthesized audio is kept")

    whisper_model: str = "base"
    whisper_cache_dir: str = "/tmp/whisper-models"
    whisper_threads: int = Field(0, ge=0, description="CPU threads for Whisper; 0 means one per available core")
    tts_engine: Literal["pyttsx3", "polly"] = "pyttsx3"
    polly_voice: str = "Joanna"

    llm_engine: Literal["offline", "bedrock"] = "offline"
    bedrock_model_id: str = "anthropic.claude-3-haiku-20240307-v1:0"
    early_evaluation: bool | None = Field(
        None,
        description="Evaluate collect-mode answers as they are stored (from the table's stream) instead of all at the "
        "end; unset: with the bedrock engine only, whose seconds per answer would otherwise add up at the end",
    )

    auth_issuer: str = Field("", description="Issuer (iss) of sign-in tokens: the Cognito user pool's URL")
    auth_jwks_url: str = Field("", description="Where the issuer publishes its signing keys (JWKS)")
    auth_client_id: str = Field("", description="App client id the tokens are issued to (the aud claim)")
    admin_group: str = Field("admin", description="Cognito group whose members may read aggregate statistics")

    max_sessions_per_day: int = Field(30, ge=1, description="Sessions a user may create per day (UTC)")
    max_audio_minutes_per_day: int = Field(90, ge=1, description="Minutes of audio a user may transcribe per day")
    max_audio_seconds: int = 600
    max_sync_audio_seconds: int = Field(
        180,
        ge=1,
        description="Longest recording transcribed while a REST request waits: API Gateway answers 504 after 29 s, "
        "and Whisper base takes up to ~0.1 s per second of speech; longer answers are streamed over the WebSocket",
    )
    max_audio_bytes: int = 25 * 1024 * 1024
    max_inline_audio_bytes: int = 4 * 1024 * 1024
    presigned_url_seconds: int = 3600
    allowed_origin: str = Field("*", description="The web app's origin, allowed by CORS (the AllowedOrigin parameter)")


def evaluates_early(settings: Settings) -> bool:
    """Whether collect-mode answers are evaluated as they are stored (see ``Settings.early_evaluation``)."""
    return settings.early_evaluation if settings.early_evaluation is not None else settings.llm_engine == "bedrock"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once per container."""
    return Settings()
