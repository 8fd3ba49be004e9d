{
  "targets": [
    {
      "target_name": "zero_copy",
      "conditions": [
        ["OS=='linux'", { "sources": ["native/zero_copy.c"], "cflags": ["-O2", "-Wall", "-Wextra"] }]
      ]
    }
  ]
}
