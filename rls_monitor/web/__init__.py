"""The local web page for patients: Tonight, This morning, Trend, Diary, For my clinician.

``rls-monitor serve`` runs :func:`rls_monitor.web.app.create_app` under uvicorn on 127.0.0.1.
The pages use the same Python API as the command line (no second copy of any logic):
:mod:`~rls_monitor.web.tonight` (recording with live status), :mod:`~rls_monitor.web.pages`
(the morning summary and the trend), :mod:`~rls_monitor.web.forms` (the diary form and the
clinician's downloads); :mod:`~rls_monitor.web.security` keeps it on this machine and to this
user (per-run token, CSRF token, Host and Origin checks, Content-Security-Policy).
"""
