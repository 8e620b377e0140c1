"""The shared vocabulary every context builds on: model base, typed errors, the ERP event, ids and
tokens, signatures, time zones, formulas and comparison operators, the queue port."""
