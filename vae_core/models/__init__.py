"""What a model is: the loss terms, the model kinds (each owning its objective, encoder
type, label and diagram), the frozen configs that name a checkpoint, and the networks."""
