# seed: 000_9b1377d5d949121f.txt
# base-url: https://api.aiduct.ai
# key: $AIDUCT_KEY
# shows: Mock answer to "Hi".
import anthropic

client = anthropic.Anthropic(
    api_key="$AIDUCT_KEY",
    base_url="https://api.aiduct.ai",
)

msg = client.messages.create(
    model="anthropic/claude-sonnet-4-5",
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hi"}],
)
print(msg.content[0].text)
