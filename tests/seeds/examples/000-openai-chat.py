# seed: 000_9b1377d5d949121f.txt
# base-url: https://api.aiduct.ai
# key: $AIDUCT_KEY
# shows: Mock answer to "Hi".
from openai import OpenAI

client = OpenAI(
    api_key="$AIDUCT_KEY",
    base_url="https://api.aiduct.ai/v1",
)

resp = client.chat.completions.create(
    model="anthropic/claude-sonnet-4-5",
    messages=[{"role": "user", "content": "Hi"}],
)
print(resp.choices[0].message.content)
