"""Training from the app: the Train live form, jobs, step-by-step training and the β / λ
families."""
