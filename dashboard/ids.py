"""Component ids of the dashboard, in one place (layout, callbacks and tests use these)."""

from __future__ import annotations

# location and browser-side state
URL = "url"
CONFIG = "config-store"  # the configuration of the run on screen
RUN_INFO = "run-info-store"  # what the figures on screen were drawn from: config, key, last step
FORK = "fork-store"  # the fork on screen: config, spec, key
ENSEMBLE = "ensemble-store"  # the server-issued id of the ensemble in progress (n, done: copies for display)
URL_SINK = "url-sink"  # output of the clientside callback that writes the URL
PANEL_SCENARIO = "panel-scenario-store"  # which scenario the parameter controls were built for

# header
SCENARIO = "scenario-dropdown"
UPLOAD = "scenario-upload"
MODE = "mode-radio"
SEED = "seed-input"
RUN = "run-button"
ERRORS = "error-banner"
TITLE = "run-title"
FITTED = "fitted-badge"  # "fitted" beside the title while the parameters are a calibration's

# parameters
PARAM_PANEL = "param-panel"
PARAM_FILTER = "param-filter"
PARAM_RESET = "param-reset"
PARAM = "param"  # pattern-matching type: {"type": PARAM, "path": path}
PARAM_ROW = "param-row"  # {"type": PARAM_ROW, "path": path}: the row holding a control

# playback
RESET = "reset-button"
BACK = "back-button"
PLAY = "play-button"
FORWARD = "forward-button"
END = "end-button"
SPEED = "speed-dropdown"
TIMER = "play-interval"
SLIDER = "step-slider"
STEP_LABEL = "step-label"
OUTCOME = "outcome-panel"

# views
TABS = "view-tabs"
NETWORK = "network-graph"
NETWORK_MODE = "network-mode"  # grouped (one node per side and role) or every actor
NETWORK_MODE_BOX = "network-mode-box"  # holds the toggle; shown for networks above the grouping threshold
TRUST = "trust-graph"
HEATMAP = "trust-heatmap"
PRESSURE = "pressure-graph"
STANCE = "stance-graph"
ZONE = "zone-graph"
ISSUES = "issue-graph"
EVENTS = "events-table"
EVENTS_HEADING = "events-heading"  # "Event log up to this week" (in the run's unit)
EVENTS_QUERY = "events-query"  # week, actor and kind of the log's page asked from the server (large runs: the log is paged there)
PAIRS = "trust-pairs-dropdown"
WHY_ACTOR = "why-actor-dropdown"  # whose decision at the week on screen the "why" card explains
WHY_NOTE = "why-note"  # what that actor did, or why nothing is shown
WHY_TABLE = "why-table"  # its feasible actions: chance, expected utility and its largest terms
RECORD_FIT = "record-fit"  # this run scored against the scenario's historical patterns

# fork
FORK_AT = "fork-step-input"
FORK_AT_LABEL = "fork-step-label"  # "At week" (in the run's unit)
FORK_HINT = "fork-hint"
FORK_REMOVE_HINT = "fork-remove-hint"
FORK_PARAM = "fork-param-dropdown"
FORK_VALUE = "fork-value-input"
FORK_PRESET = "fork-preset-dropdown"
FORK_REMOVE = "fork-remove-checklist"
FORK_ADD_KIND = "fork-add-kind"
FORK_ADD_SENDER = "fork-add-sender"
FORK_ADD_WEEK = "fork-add-week"
FORK_RUN = "fork-run-button"
FORK_CLEAR = "fork-clear-button"
FORK_STATUS = "fork-status"
FORK_TRUST = "fork-trust-graph"
FORK_PRESSURE = "fork-pressure-graph"
FORK_ISSUES_BASE = "fork-issues-base"
FORK_ISSUES_ALT = "fork-issues-alt"
FORK_COMPARE = "fork-compare"

# ensemble
ENS_N = "ensemble-n"
ENS_RUN = "ensemble-run-button"
ENS_CANCEL = "ensemble-cancel-button"
ENS_TIMER = "ensemble-interval"
ENS_PROGRESS = "ensemble-progress"
ENS_OUTCOMES = "ensemble-outcomes"
ENS_TRUST = "ensemble-trust"
ENS_PRESSURE = "ensemble-pressure"
ENS_KM_AGREEMENT = "ensemble-km-agreement"
ENS_KM_MORATORIUM = "ensemble-km-moratorium"
ENS_RECORD = "ensemble-record"  # the ensemble's mean score on each historical pattern

# export
EXPORT_ZIP = "export-zip-button"
EXPORT_REPORT = "export-report-button"
EXPORT_FORMAT = "export-format"
EXPORT_DATA = "export-data-button"
DOWNLOAD = "download"
