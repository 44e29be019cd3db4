"""What is kept on disk: checkpoints (safetensors + JSON, written atomically), the codes of a
test split and of every epoch beside them, and networks exported for the browser."""
