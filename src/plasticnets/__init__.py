"""plasticnets: reproduce SMGrNN and LNDP, two networks that change their own structure while they learn."""

__version__ = "0.1.0"
