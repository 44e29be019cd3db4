"""What tests, benchmarks and the docs' screenshots share: the app and Redis servers,
chromium and the canvas, a Streamlit websocket client, a Ray head, a classroom in the
browser. Importable from the repository root, where the benchmarks run as modules
(``python -m benchmarks.load``)."""
