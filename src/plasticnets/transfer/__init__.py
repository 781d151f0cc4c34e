"""Transfer: LNDP parameters evolved on one task, evaluated on another with the same inputs and outputs."""
