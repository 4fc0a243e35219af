"""REST inference service for the CCVAE exported to ONNX under models/<name>/."""
