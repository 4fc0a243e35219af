"""The service against BentoML, LitServe and Triton (PyTriton) on the same ONNX files.

Each framework's app is a module here, run in a venv of its own (bench/.venvs/<name>) by
`python -m bench.frameworks`; `model` is the one piece of work that every app does.
"""
