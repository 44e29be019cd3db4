"""How a model is trained and where: the trainer and the step-by-step trainer, executors
(this process, or a Ray cluster through a child process), the background job pool, and
training on demand, once per configuration."""
