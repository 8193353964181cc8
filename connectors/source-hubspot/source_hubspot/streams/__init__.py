"""The source's streams: CRM objects (standard and custom), owners, deal and ticket pipelines."""
