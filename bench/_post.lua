-- wrk script of `npm run bench -- serve`: POSTs the images listed in the file $PATHS (one path
-- per line) in turn to /api/predict?model=$MODEL, as image/png, and counts answers other than 200.
local bodies = {}
for path in io.lines(os.getenv("PATHS")) do
  local f = assert(io.open(path, "rb"))
  bodies[#bodies + 1] = f:read("*a")
  f:close()
end
local target = "/api/predict?model=" .. os.getenv("MODEL")
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", target, { ["Content-Type"] = "image/png" }, bodies[i])
end
