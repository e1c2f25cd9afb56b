# Baseline for benchmarks: the simplified reset of reference_reset.py, in jq (which cannot make
# ids, so the caller passes them). Usage:
#   jq --indent 2 --arg task TASK --arg started_at UUID7 --arg transcript_id UUID7 \
#      -f reference_reset.jq SNAPSHOT > OUT
.task = $task
| .history += [$task]
| .status = "running"
| .started_at = $started_at
| .finished_at = null | .awaiting_started_at = null | .latest_error = null | .latest_payload = null
| if (.transcript | type) == "object" then
    .transcript |= (.metadata = ((.metadata // {}) + {parent_transcript_id: (.id | tostring)})
                    | .id = $transcript_id)
  else . end
| if .config.mode == "workflow" then .config.options.transcript = .transcript else . end
