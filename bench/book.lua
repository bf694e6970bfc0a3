-- wrk script for row W: every request books a different free slot.
-- args: <bodies file (one JSON body a line)> <token> [threads] [path]. Thread k takes lines
-- k, k+T, k+2T... The path is /api/appointments/ unless given (the floor rows: bench.floor).
local threads, count = {}, 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  bodies, idx = {}, 0
  local i, n = 0, tonumber(args[3] or "2")
  for line in io.lines(args[1]) do
    if i % n == id then table.insert(bodies, line) end
    i = i + 1
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Token " .. args[2]
  path = args[4] or "/api/appointments/"
end

function request()
  idx = idx + 1
  return wrk.format("POST", path, nil, bodies[idx])
end
