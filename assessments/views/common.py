"""Shared bits of the register pages."""



from .. import scoring


def matrix_of(team):
    cached = getattr(team, "_risk_matrix_cache", None)
    if cached is None:
        cached = team._risk_matrix_cache = scoring.matrix_for(team)
    return cached


