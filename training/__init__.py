"""Training side of the CCVAE service: data, model, objectives, training, evaluation, export."""
