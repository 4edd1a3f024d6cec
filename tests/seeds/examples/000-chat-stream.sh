# seed: 000_9b1377d5d949121f.txt
# base-url: https://api.aiduct.ai
# key: $AIDUCT_KEY
# answer: Mock answer to "Hi".
curl https://api.aiduct.ai/v1/chat/completions \
  -H "Authorization: Bearer $AIDUCT_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "anthropic/claude-sonnet-4-5",
    "messages": [{"role":"user","content":"Hi"}],
    "stream": true
  }'
