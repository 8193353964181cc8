"""The BigQuery source's configuration.

It accepts the official Airbyte BigQuery source's config unchanged (`project_id`, `dataset_id`,
`credentials_json`). Everything we add is optional: other ways to authenticate, several
datasets, where and at whose cost queries run, endpoints, a cost ceiling, custom query streams
with typed parameters, and per-table column selection and row filters.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cdk_extensions.google_credentials import (
    SERVICE_ACCOUNT_KEY_DESCRIPTION,
    SERVICE_ACCOUNT_KEY_EXAMPLE,
    ApplicationDefault,
    GoogleCredentials,
    OAuthClient,
    ServiceAccountKey,
    ServiceAccountKeyJson,
)
from cdk_extensions.spec import ensure_unique

BIGQUERY_API_URL = "https://bigquery.googleapis.com"
BIGQUERY_STORAGE_API_URL = "https://bigquerystorage.googleapis.com"
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # what BigQuery accepts as a query parameter name


class QueryParameter(BaseModel):
    """A named parameter of a custom query (`@name` in the SQL), bound by BigQuery, never pasted in."""

    name: str = Field(pattern=NAME_PATTERN, examples=["since", "countries"])
    type: str = Field(
        min_length=1,
        title="BigQuery type",
        description="The parameter's type, as in BigQuery SQL, nested types included.",
        examples=[
            "INT64",
            "TIMESTAMP",
            "ARRAY<STRING>",
            "STRUCT<city STRING, population INT64>",
            "RANGE<DATE>",
        ],
    )
    value: Any = Field(
        title="Value",
        description=(
            "The value as JSON: a string or number for scalars (timestamps and dates as ISO 8601 text, "
            "NUMERIC as text to keep its precision), a list for ARRAY, an object for STRUCT, "
            '{"start": ..., "end": ...} for RANGE (null for an open end), null for NULL.'
        ),
        examples=["2024-01-01T00:00:00Z", ["DE", "FR"], {"city": "Lyon", "population": 522000}],
    )


class CustomQuery(BaseModel):
    """A stream whose records are the rows of a query."""

    name: str = Field(pattern=NAME_PATTERN, title="Stream name", examples=["active_customers"])
    sql: str = Field(
        min_length=1,
        title="SQL",
        description="GoogleSQL; refer to parameters as @name.",
        examples=["SELECT id, email, updated_at FROM shop.customers WHERE country IN UNNEST(@countries)"],
    )
    parameters: list[QueryParameter] = Field([], title="Parameters")
    cursor_field: str | None = Field(
        None,
        title="Cursor column",
        description="A column of the result that only grows, for incremental syncs (e.g. an update time).",
        examples=["updated_at"],
    )
    primary_key: list[str] = Field(
        [], title="Primary key", description="The result's columns that identify a row.", examples=[["id"]]
    )

    @field_validator("parameters")
    @classmethod
    def _each_parameter_once(cls, parameters: list[QueryParameter]) -> list[QueryParameter]:
        ensure_unique([parameter.name for parameter in parameters])
        return parameters


class TableSettings(BaseModel):
    """How to read one table."""

    table: str = Field(
        pattern=r"^[^.\s]+\.[^.\s]+$",
        title="Table",
        description="`dataset.table`; a sharded table's common prefix ends with *.",
        examples=["shop.orders", "analytics_123.events_*"],
    )
    columns: list[str] = Field(
        [],
        title="Columns",
        description="Read only these columns. Leave empty to read all.",
        examples=[["id", "total"]],
    )
    row_filter: str | None = Field(
        None,
        title="Row filter",
        description="A GoogleSQL condition rows must meet, applied by BigQuery before they are sent.",
        examples=["country = 'DE' AND total > 0"],
    )


class BigQueryConfig(BaseModel):
    """Reads tables, views and custom queries from BigQuery, fast and within a cost ceiling."""

    model_config = ConfigDict(title="BigQuery")
    project_id: str = Field(
        min_length=1,
        title="Project ID",
        description="The Google Cloud project that holds the datasets.",
        examples=["my-project"],
    )
    dataset_id: str | None = Field(
        None,
        title="Dataset",
        description="Read only this dataset. Leave it and `datasets` empty to read every dataset.",
        examples=["shop"],
    )
    credentials_json: ServiceAccountKeyJson | None = Field(
        None,
        title="Service account key (JSON)",
        description=SERVICE_ACCOUNT_KEY_DESCRIPTION
        + " Alternatively, choose another method under Authentication.",
        examples=[SERVICE_ACCOUNT_KEY_EXAMPLE],
    )
    credentials: GoogleCredentials | None = Field(
        None,
        title="Authentication",
        description=(
            "Another way to connect, instead of a key above. With neither, the application default "
            "credentials are used."
        ),
    )
    datasets: list[str] = Field(
        [], title="More datasets", description="Also read these datasets.", examples=[["shop", "crm"]]
    )
    location: str | None = Field(
        None,
        title="Location",
        description="Where the datasets live and queries run. Leave empty to let BigQuery work it out.",
        examples=["US", "EU", "europe-west1"],
    )
    billing_project_id: str | None = Field(
        None,
        title="Billing project",
        description="The project that runs and pays for queries and reads. Defaults to the project ID.",
        examples=["my-billing-project"],
    )
    api_endpoint: str = Field(
        BIGQUERY_API_URL,
        title="API endpoint",
        description="Where the BigQuery API is reached. Change it only for a private endpoint or emulator.",
        pattern=r"^https?://\S+$",
    )
    storage_api_endpoint: str = Field(
        BIGQUERY_STORAGE_API_URL,
        title="Storage Read API endpoint",
        description="Where the Storage Read API (gRPC) is reached; http:// means no TLS, for an emulator.",
        pattern=r"^https?://[^/\s]+$",
        examples=["http://127.0.0.1:9060"],
    )
    maximum_bytes_billed: int | None = Field(
        None,
        ge=0,
        title="Maximum bytes billed",
        description="Stop before running any query that would bill more than this many bytes.",
        examples=[10_000_000_000],
    )
    custom_queries: list[CustomQuery] = Field([], title="Custom queries")
    tables: list[TableSettings] = Field([], title="Per-table settings")

    @field_validator("custom_queries")
    @classmethod
    def _each_query_name_once(cls, queries: list[CustomQuery]) -> list[CustomQuery]:
        ensure_unique([query.name for query in queries])
        return queries

    @field_validator("tables")
    @classmethod
    def _each_table_once(cls, tables: list[TableSettings]) -> list[TableSettings]:
        ensure_unique([settings.table for settings in tables])
        return tables

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> BigQueryConfig:
        if self.credentials_json is not None and self.credentials is not None:
            raise PydanticCustomError(
                "two_credentials", "give either `credentials_json` or `credentials`, not both"
            )
        return self

    @property
    def authentication(self) -> ServiceAccountKey | OAuthClient | ApplicationDefault:
        """The credentials to use, wherever the config gave them."""
        if self.credentials is not None:
            return self.credentials
        if self.credentials_json is not None:
            return ServiceAccountKey(credentials_json=self.credentials_json)
        return ApplicationDefault()

    @property
    def dataset_ids(self) -> list[str]:
        """The datasets to read, in the order given; empty means every dataset of the project."""
        return list(dict.fromkeys([*([self.dataset_id] if self.dataset_id else []), *self.datasets]))
