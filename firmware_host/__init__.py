"""The band: wire protocol, signal model, simulated band and on-device processing.

This package is what the band's firmware would be. It never imports ``rls_monitor``.
"""
