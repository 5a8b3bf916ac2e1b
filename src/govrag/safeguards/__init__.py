"""Government gen-AI safeguards: API keys and rate limits, the audit log, personal-data masking,
prompt-injection neutralising, confidentiality routing and the risk-case report.

Each module stands alone; the API, the service and the CLI wire them in.
"""
